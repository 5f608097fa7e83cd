import { expect } from "chai";
import * as fc from "fast-check";
import { lexSql } from "../../functions/shared/db/sql-lex";
import { splitSqlStatements } from "../../functions/shared/db/sql-split";
import { rewriteNamedParameters } from "../../local/dataapi/sql";

const kinds = (sql: string) => lexSql(sql).map((s) => [s.kind, sql.slice(s.start, s.end)]);

describe("shared: the SQL lexer (migrations' splitter and the local Data API's placeholders)", () => {
    it("cuts strings, identifiers, comments and dollar quotes out of the code", () => {
        expect(kinds(`SELECT 'a;''b', "x;y" -- c;\n/* d /* e */ ; */ $f$;$f$ E'g\\';h' $1 a$b$`)).to.deep.equal([
            ["code", "SELECT "],
            ["string", "'a;''b'"],
            ["code", ", "],
            ["quoted-identifier", '"x;y"'],
            ["code", " "],
            ["line-comment", "-- c;"],
            ["code", "\n"],
            ["block-comment", "/* d /* e */ ; */"],
            ["code", " "],
            ["dollar-quoted", "$f$;$f$"],
            ["code", " E"],
            ["string", "'g\\';h'"],
            ["code", " $1 a$b$"],
        ]);
    });

    it("covers every character exactly once, in order, for any text", () => {
        fc.assert(
            fc.property(fc.string({ unit: fc.constantFrom("a", " ", ";", "'", '"', "-", "/", "*", "$", "E", "\\", "\n", ":") }), (sql) => {
                const segs = lexSql(sql);
                let at = 0;
                for (const s of segs) {
                    expect(s.start).to.equal(at);
                    expect(s.end).to.be.greaterThan(s.start);
                    at = s.end;
                }
                expect(at).to.equal(sql.length);
            }),
            { numRuns: 300 },
        );
    });

    it("fails when a string, identifier, comment or dollar quote is not closed (strict), naming the offset", () => {
        expect(() => lexSql("SELECT 'abc", { strict: true })).to.throw("lexSql: unterminated string starting at offset 7.");
        expect(() => lexSql('SELECT "abc', { strict: true, who: "w" })).to.throw("w: unterminated quoted identifier starting at offset 7.");
        expect(() => lexSql("SELECT 1 /* a /* b */", { strict: true })).to.throw("lexSql: unterminated /* comment starting at offset 9.");
        expect(() => lexSql("SELECT $x$ body", { strict: true })).to.throw("lexSql: unterminated dollar-quoted string $x$ starting at offset 7.");
        expect(lexSql("SELECT 'abc").map((s) => s.kind)).to.deep.equal(["code", "string"]);
    });

    it("the splitter and the placeholder rewriter read the same text the same way", () => {
        const sql = "INSERT INTO t VALUES (:a, E'it\\'s; :b', $q$ :c; $q$, :a::int); SELECT :b";
        expect(splitSqlStatements(sql)).to.deep.equal(["INSERT INTO t VALUES (:a, E'it\\'s; :b', $q$ :c; $q$, :a::int)", "SELECT :b"]);
        expect(rewriteNamedParameters(sql, new Set(["a", "b", "c"]))).to.deep.equal({
            text: "INSERT INTO t VALUES ($1, E'it\\'s; :b', $q$ :c; $q$, $1::int); SELECT $2",
            names: ["a", "b"],
        });
        expect(splitSqlStatements("-- only a comment;\nSELECT 1; /* x */ ;")).to.deep.equal(["-- only a comment;\nSELECT 1"]);
    });
});
