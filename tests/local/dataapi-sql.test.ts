import { expect } from "chai";
import { rewriteNamedParameters } from "../../local/dataapi/sql";
import { formatPgArray, parsePgArray } from "../../local/dataapi/pgarray";

describe("local/dataapi named parameters and array literals", () => {
    const known = new Set(["id", "name", "n"]);

    it("rewrites :name to $n, reusing the number for a repeated name", () => {
        const r = rewriteNamedParameters("SELECT * FROM t WHERE id = :id AND (name = :name OR alt = :name) LIMIT :n", known);
        expect(r.text).to.equal("SELECT * FROM t WHERE id = $1 AND (name = $2 OR alt = $2) LIMIT $3");
        expect(r.names).to.deep.equal(["id", "name", "n"]);
    });

    it("leaves casts, literals, quoted identifiers, comments and dollar quotes alone", () => {
        const sql = "SELECT :id::int8, ':id', E'\\':id', \":id\", $$ :id $$, $tag$ :name $tag$ -- :n\n/* :id /* :n */ */ , x::text FROM t WHERE a = :name";
        const r = rewriteNamedParameters(sql, known);
        expect(r.text).to.equal("SELECT $1::int8, ':id', E'\\':id', \":id\", $$ :id $$, $tag$ :name $tag$ -- :n\n/* :id /* :n */ */ , x::text FROM t WHERE a = $2");
        expect(r.names).to.deep.equal(["id", "name"]);
    });

    it("leaves placeholders without a parameter in place (PostgreSQL then reports them)", () => {
        const r = rewriteNamedParameters("SELECT :unknown, :id", known);
        expect(r.text).to.equal("SELECT :unknown, $1");
        expect(r.names).to.deep.equal(["id"]);
    });

    it("parses PostgreSQL array output: quotes, escapes, NULL, nesting, dimensions", () => {
        expect(parsePgArray('{1,2,NULL,"NULL","a b","x\\"y\\\\z"}')).to.deep.equal(["1", "2", null, "NULL", "a b", 'x"y\\z']);
        expect(parsePgArray("{{1,2},{3,4}}")).to.deep.equal([
            ["1", "2"],
            ["3", "4"],
        ]);
        expect(parsePgArray("{}")).to.deep.equal([]);
        expect(parsePgArray("[0:1]={7,8}")).to.deep.equal(["7", "8"]);
    });

    it("fails when an array literal is malformed", () => {
        expect(() => parsePgArray("1,2")).to.throw('malformed array literal "1,2"');
    });

    it("formats array input literals that round-trip through the parser", () => {
        const values = [
            ["a", 'q"uote', null],
            ["back\\slash", "", "NULL"],
        ];
        const text = formatPgArray(values);
        expect(text).to.equal('{{"a","q\\"uote",NULL},{"back\\\\slash","","NULL"}}');
        expect(parsePgArray(text)).to.deep.equal(values);
        expect(formatPgArray([1, 2.5, true, false])).to.equal("{1,2.5,t,f}");
    });
});
