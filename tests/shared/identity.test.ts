import { expect } from "chai";
import fc from "fast-check";
import { FINGERPRINT_CHARS, canonicalJson, fingerprint, identityKey } from "../../functions/shared/identity";

describe("event identity", () => {
    it("keys identity by source and eventId", () => {
        expect(identityKey({ source: "web", eventId: "e1" })).to.equal("web\u0000e1");
        expect(identityKey({ source: "web", eventId: "e1" })).to.not.equal(identityKey({ source: "app", eventId: "e1" }));
    });

    it("writes canonical JSON with sorted keys at every level, arrays in order", () => {
        expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: "x" } })).to.equal('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
        expect(canonicalJson({ a: undefined, b: null })).to.equal('{"b":null}');
    });

    it("gives the same fingerprint whatever the key order or spacing", () => {
        const a = JSON.parse('{"eventId":"e1","type":"search","price":{"amount":1,"currency":"CHF"}}');
        const b = JSON.parse('{ "price": { "currency": "CHF", "amount": 1 }, "type": "search", "eventId": "e1" }');
        expect(fingerprint(a)).to.equal(fingerprint(b));
        expect(fingerprint(a))
            .to.have.length(FINGERPRINT_CHARS)
            .and.match(/^[A-Za-z0-9_-]+$/);
    });

    it("fails to match when any value differs", () => {
        expect(fingerprint({ eventId: "e1", seats: 2 })).to.not.equal(fingerprint({ eventId: "e1", seats: 3 }));
        expect(fingerprint({ a: [1, 2] })).to.not.equal(fingerprint({ a: [2, 1] }));
    });

    it("round-trips: canonical JSON parses back to an equal value", () => {
        fc.assert(
            fc.property(fc.jsonValue(), (v) => {
                expect(JSON.parse(canonicalJson(v))).to.deep.equal(JSON.parse(JSON.stringify(v)));
            }),
        );
    });
});
