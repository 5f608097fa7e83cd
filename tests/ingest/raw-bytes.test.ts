/**
 * The hot path writes each event's bytes as the request held them (no second
 * serialisation): the byte scan that finds them, the `source` splice for
 * events that omit it, and the server handing them to the publisher.
 */
import { expect } from "chai";
import fc from "fast-check";
import { parseJsonBody, parseNdjsonBody, scanJson } from "../../functions/ingest/parse";
import { buildServer, withSource, type Publisher } from "../../functions/ingest/server";
import type { FlightEvent } from "../../functions/shared/events";
import { validOffer, validSearch } from "./arbitraries";
import { testKeys } from "./helpers";

const KEYS = testKeys();
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString("utf8"));

class CapturingPublisher implements Publisher {
    readonly calls: { events: FlightEvent[]; raw?: (Uint8Array | undefined)[] }[] = [];
    queueDepth = 0;
    isDraining = false;
    async publish(events: readonly FlightEvent[], raw?: readonly (Uint8Array | undefined)[]): Promise<void> {
        this.calls.push({ events: [...events], raw: raw && [...raw].map((r) => (r ? Buffer.from(r) : undefined)) });
    }
}

describe("ingestion writes each event's own bytes", () => {
    it("finds every element of a JSON array by bytes, whatever its strings hold", () => {
        const body = Buffer.from('\ufeff [ {"a":"x,]}\\"[{","é":[1,{"b":2}]} ,{"c":"日本"},\t{"d":null} ]\n', "utf8");
        const r = parseJsonBody(body);
        expect(r.ok).to.equal(true);
        if (!r.ok) return;
        expect(r.raw!.map(text)).to.deep.equal(['{"a":"x,]}\\"[{","é":[1,{"b":2}]}', '{"c":"日本"}', '{"d":null}']);
        expect(r.raw!.map((b) => JSON.parse(text(b)!))).to.deep.equal(r.values);
    });

    it("keeps the bytes of a single event and of NDJSON lines (CRLF, blank lines, BOM, spaces)", () => {
        const one = parseJsonBody(Buffer.from('  {"x": 1}  ', "utf8"));
        expect(one.ok && one.raw!.map(text)).to.deep.equal(['{"x": 1}']);
        const nd = parseNdjsonBody(Buffer.from('\ufeff{"a":"ü"}\r\n\r\n  {"b":2} \n{"c":3}', "utf8"));
        expect(nd.ok && nd.raw!.map(text)).to.deep.equal(['{"a":"ü"}', '{"b":2}', '{"c":3}']);
    });

    it("leaves the bytes out (the event is serialised) when an element spans lines or is not an object", () => {
        const r = parseJsonBody(Buffer.from('[{"a":1},\n{\n"b":2\n}, 7]', "utf8"));
        expect(r.ok && r.raw!.map(text)).to.deep.equal(['{"a":1}', undefined, undefined]);
        expect(r.ok && r.values).to.deep.equal([{ a: 1 }, { b: 2 }, 7]);
    });

    it("the bytes of every element parse to exactly the parsed element (property)", () => {
        fc.assert(
            fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 8 }), fc.boolean(), (events, pretty) => {
                const body = Buffer.from(pretty ? JSON.stringify(events, null, 1).replace(/\n/g, " ") : JSON.stringify(events), "utf8");
                const r = parseJsonBody(body);
                if (!r.ok) return true; // deeper than the nesting limit: refused before the scan matters
                expect(r.raw!.length).to.equal(events.length);
                r.raw!.forEach((b, i) => expect(JSON.parse(text(b)!)).to.deep.equal(r.values[i]));
                return true;
            }),
            { numRuns: 300 },
        );
    });

    it("scans nesting by bytes and stops past the limit", () => {
        expect(scanJson(Buffer.from('[[["x"]]]')).depth).to.equal(3);
        expect(scanJson(Buffer.from("[".repeat(40) + "]".repeat(40)), 0, 80, 32).depth).to.equal(33);
        expect(scanJson(Buffer.from('{"a":"[[[["}')).depth).to.equal(1);
    });

    it("splices `source` first into the bytes of an event that omitted it", () => {
        const prefix = Buffer.from('{"source":"web-ch"');
        expect(withSource(Buffer.from('{"a":1}'), prefix).toString()).to.equal('{"source":"web-ch","a":1}');
        expect(withSource(Buffer.from("{ }"), prefix).toString()).to.equal('{"source":"web-ch" }');
    });

    it("the server hands the publisher the request's own bytes, with source filled in where omitted", async () => {
        const publisher = new CapturingPublisher();
        const app = buildServer({ auth: KEYS.auth, publisher });
        try {
            const { source: _omit, ...noSource } = validSearch({ eventId: "raw-1", source: undefined });
            const withIt = validOffer({ eventId: "raw-2", source: "web-ch" });
            const first = JSON.stringify(noSource).replace(/,/g, ", ");
            const second = JSON.stringify(withIt);
            const res = await app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: `[${first} ,  ${second}]` });
            expect(res.statusCode, res.body).to.equal(202);
            expect(publisher.calls).to.have.length(1);
            const raw = publisher.calls[0].raw!.map(text);
            expect(raw).to.deep.equal([`{"source":"web-ch",${first.slice(1)}`, second]);
            expect(JSON.parse(raw[0]!)).to.deep.equal({ ...noSource, source: "web-ch" });
            expect(publisher.calls[0].events.map((e) => e.source)).to.deep.equal(["web-ch", "web-ch"]);
        } finally {
            await app.close();
        }
    });
});
