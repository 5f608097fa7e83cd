/**
 * A corpus of hostile requests against the real local platform (`startPlatform`,
 * the service `npm start` runs), sent with keys from its `ingest-keys.json`:
 * every malformed kind the ingestion contract names gets its clear 4xx (never
 * a 5xx), and afterwards the stream holds exactly the accepted events, once.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { startPlatform, type Platform } from "../../local/platform";
import { localKeyFor } from "../../local/keys";
import { keysMain } from "../../scripts/ops-keys";
import { ingestHeaders } from "../helpers/ingest";
import { countIds, readStreamEvents } from "./helpers";
import { validBooking, validSearch } from "./arbitraries";

interface RawAnswer {
    readonly status: number;
    readonly body: any;
}

/** One HTTP/1.1 request written byte for byte (duplicate headers, broken framing, any body bytes). */
function rawRequest(url: string, headerLines: readonly string[], body: Buffer | string): Promise<RawAnswer> {
    const { port } = new URL(url);
    const payload = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    return new Promise((resolve, reject) => {
        const socket = net.connect(Number(port), "127.0.0.1", () => {
            socket.write(Buffer.concat([Buffer.from(["POST /v1/events HTTP/1.1", "Host: 127.0.0.1", "Connection: close", ...headerLines, "", ""].join("\r\n"), "latin1"), payload]));
        });
        const chunks: Buffer[] = [];
        socket.on("data", (d) => chunks.push(d));
        socket.on("error", reject);
        socket.on("close", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
            const split = text.indexOf("\r\n\r\n");
            const head = text.slice(0, split);
            let rest = text.slice(split + 4);
            if (/transfer-encoding: chunked/i.test(head)) rest = rest.replace(/^[0-9a-f]+\r\n/i, "").replace(/\r\n0\r\n\r\n$/, "");
            let parsed: unknown;
            try {
                parsed = JSON.parse(rest);
            } catch {
                parsed = rest;
            }
            resolve({ status, body: parsed });
        });
    });
}

const lines = (h: Record<string, string>) => Object.entries(h).map(([k, v]) => `${k}: ${v}`);

describe("hostile request corpus against the local platform", function () {
    this.timeout(180000);
    let platform: Platform;
    let dir: string;
    const accepted: Record<string, unknown>[] = [];

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-"));
        platform = await startPlatform({ dir, reset: true, ingestPort: 0, insightsPort: 0, etlIntervalMs: 0, persistStream: false, functionLogLevel: "ERROR" });
    });
    after(async () => {
        await platform?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const auth = () => ingestHeaders(platform.dirs.root, "web-eu");
    const json = (extra: Record<string, string> = {}) => lines({ ...auth(), ...extra });
    // Dated now: the service accepts occurredAt only inside its window around the time of receipt.
    const NOW = new Date().toISOString();
    const ev = (id: string, over: Record<string, unknown> = {}) => validSearch({ eventId: id, source: "web-eu", occurredAt: NOW, ...over });

    type Case = { name: string; status: number; headers: () => string[]; body: Buffer | string; error?: RegExp };
    const cases: Case[] = [
        { name: "the body is not JSON", status: 400, headers: () => json(), body: "{not json", error: /^body is not valid JSON: / },
        { name: "the content type is text/plain", status: 415, headers: () => json({ "content-type": "text/plain" }), body: "hi", error: /^content type must be application\/json or application\/x-ndjson; received "text\/plain"$/ },
        {
            name: "the content type is multipart/form-data",
            status: 415,
            headers: () => json({ "content-type": "multipart/form-data; boundary=x" }),
            body: "--x--",
            error: /^content type must be .*received "multipart\/form-data; boundary=x"$/,
        },
        { name: "there is no content type", status: 415, headers: () => lines({ authorization: auth().authorization, "content-length": "2" }), body: "{}", error: /received none$/ },
        { name: "the body is only a byte-order mark", status: 400, headers: () => json(), body: "\uFEFF", error: /^body is empty; / },
        { name: "a byte-order mark precedes invalid JSON", status: 400, headers: () => json(), body: "\uFEFF{]", error: /^body is not valid JSON: / },
        { name: "the body is empty", status: 400, headers: () => json(), body: "", error: /^body is empty; / },
        { name: "the body nests 100,000 levels", status: 400, headers: () => json(), body: "[".repeat(100000) + "]".repeat(100000), error: /^body nests arrays and objects deeper than 32 levels$/ },
        { name: "a number is huge (1e400)", status: 400, headers: () => json(), body: JSON.stringify(ev("huge-n")).replace('"passengers":2', '"passengers":1e400'), error: /^passengers must be an integer from 1 to 9; received Infinity$/ },
        {
            name: "a number has 40 digits",
            status: 400,
            headers: () => json(),
            body: JSON.stringify(ev("long-n")).replace('"passengers":2', `"passengers":${"9".repeat(40)}`),
            error: /^passengers must be an integer from 1 to 9; received 1e\+40$/,
        },
        { name: "fields have the wrong types", status: 400, headers: () => json(), body: JSON.stringify({ eventId: 7, type: ["search"], occurredAt: {}, source: "web-eu" }), error: /^eventId must be a string/ },
        {
            name: "NDJSON has blank lines and an invalid line",
            status: 400,
            headers: () => json({ "content-type": "application/x-ndjson" }),
            body: `${JSON.stringify(ev("nd-ok"))}\n\n   \n{"eventId": }\n`,
            error: /^line 4 is not valid JSON: /,
        },
        { name: "the array holds 501 events", status: 400, headers: () => json(), body: JSON.stringify(Array.from({ length: 501 }, (_, i) => ev(`many-${i}`))), error: /^a request holds at most 500 events; received 501$/ },
        { name: "array items are not objects", status: 400, headers: () => json(), body: '[1, "two", null, [], true]', error: /^event must be a JSON object; received a number$/ },
        { name: "a string holds a raw control character", status: 400, headers: () => json(), body: JSON.stringify(ev("ctl")).replace('"economy"', '"eco\u0001nomy"'), error: /^body is not valid JSON: / },
        { name: "the body is not UTF-8", status: 400, headers: () => json(), body: Buffer.concat([Buffer.from('{"eventId":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), error: /^body is not valid UTF-8$/ },
        { name: "the body is larger than 1 MiB", status: 413, headers: () => json(), body: JSON.stringify(ev("big", { blob: "x".repeat(1024 * 1024) })), error: /^request body is larger than the 1048576-byte limit$/ },
        { name: "the Content-Type header is sent twice", status: 400, headers: () => [...json(), "Content-Type: text/plain"], body: JSON.stringify(ev("dup-ct")), error: /^the Content-Type header appears 2 times; send it exactly once$/ },
        {
            name: "the Authorization header is sent twice",
            status: 400,
            headers: () => [...json(), `Authorization: Bearer ${localKeyFor(platform.dirs.root, "app-ios").key}`],
            body: JSON.stringify(ev("dup-auth")),
            error: /^the Authorization header appears 2 times; send it exactly once$/,
        },
        { name: "Content-Length and Transfer-Encoding are both sent", status: 400, headers: () => [...json(), "Transfer-Encoding: chunked"], body: "2\r\n{}\r\n0\r\n\r\n" },
        { name: "there is no Authorization header", status: 401, headers: () => lines({ "content-type": "application/json" }), body: JSON.stringify(ev("no-key")), error: /^POST \/v1\/events needs `Authorization: Bearer <key>`/ },
        { name: "the key is wrong", status: 401, headers: () => json({ authorization: `Bearer fsk_${"Z".repeat(43)}` }), body: JSON.stringify(ev("bad-key")), error: /^the bearer key is not valid \(unknown key\)$/ },
        { name: "the key is not a key at all", status: 401, headers: () => json({ authorization: "Bearer ' OR 1=1 --" }), body: JSON.stringify(ev("junk-key")), error: /^the bearer key is not a flightstream ingestion key/ },
        {
            name: "an event spoofs another source",
            status: 403,
            headers: () => json(),
            body: JSON.stringify([ev("spoof-0"), ev("spoof-1", { source: "gds-amadeus" })]),
            error: /^source "gds-amadeus" is not the source of this key \("web-eu"\)/,
        },
    ];

    for (const c of cases) {
        it(`fails with a clear ${c.status} when ${c.name}`, async () => {
            const body = typeof c.body === "string" ? Buffer.from(c.body, "utf8") : c.body;
            const headers = c.headers();
            const withLength = headers.some((h) => /^content-length:/i.test(h)) ? headers : [...headers, `Content-Length: ${body.length}`];
            const res = await rawRequest(platform.ingestUrl, withLength, body);
            expect(res.status, JSON.stringify(res.body)).to.equal(c.status);
            const messages: string[] = typeof res.body?.error === "string" ? [res.body.error] : Array.isArray(res.body?.errors) ? res.body.errors.map((e: { message: string }) => e.message) : [];
            expect(messages.length, JSON.stringify(res.body)).to.be.greaterThan(0);
            for (const m of messages) expect(m).to.be.a("string").with.length.greaterThan(5);
            if (c.error) expect(messages[0]).to.match(c.error);
        });
    }

    it("fails with 401 once a key is revoked (ops keys revoke), while the other sources' keys keep working", async () => {
        const revokedKey = localKeyFor(platform.dirs.root, "meta-skyscanner").key;
        const before = await fetch(`${platform.ingestUrl}/v1/events`, {
            method: "POST",
            headers: ingestHeaders(platform.dirs.root, "meta-skyscanner"),
            body: JSON.stringify(validBooking({ eventId: "meta-1", source: undefined, occurredAt: NOW })),
        });
        expect(before.status).to.equal(202);
        accepted.push({ ...validBooking({ eventId: "meta-1", occurredAt: NOW }), source: "meta-skyscanner" });
        const out: string[] = [];
        expect(await keysMain(["revoke", "--source", "meta-skyscanner", "--local", platform.dirs.root], { out: (l) => out.push(l), err: (l) => out.push(l) })).to.equal(0);
        // The service picks the change up within INGEST_KEYS_REFRESH_SECONDS; reload now instead of waiting.
        await platform.ingest.keys!.reload();
        const res = await rawRequest(platform.ingestUrl, json({ authorization: `Bearer ${revokedKey}`, "content-length": String(Buffer.byteLength(JSON.stringify(ev("meta-2")))) }), JSON.stringify(ev("meta-2")));
        expect(res.status).to.equal(401);
        expect(res.body.error).to.match(/^the bearer key k-[0-9a-f]{12} was revoked at .+; ask for a new key$/);
    });

    it("after the corpus, valid requests are accepted and the stream holds exactly the accepted events, once each", async () => {
        const bom = ev("bom-ok");
        const withBom = await fetch(`${platform.ingestUrl}/v1/events`, { method: "POST", headers: auth(), body: "\uFEFF" + JSON.stringify(bom) });
        expect(withBom.status).to.equal(202);
        accepted.push(bom);
        const { source: _omit, ...noSource } = ev("from-key");
        const filled = await fetch(`${platform.ingestUrl}/v1/events`, { method: "POST", headers: ingestHeaders(platform.dirs.root, "app-ios"), body: JSON.stringify(noSource) });
        expect(filled.status).to.equal(202);
        accepted.push({ ...noSource, source: "app-ios" });
        const events = await readStreamEvents(platform.kinesis.client(), platform.streamName);
        expect([...countIds(events)].sort()).to.deep.equal(accepted.map((e) => [e.eventId, 1]).sort());
        const byId = new Map(events.map((e) => [e.eventId, e]));
        for (const e of accepted) expect(byId.get(e.eventId)).to.deep.equal(e);
    });
});
