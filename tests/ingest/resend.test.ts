/**
 * Resends against the real producer and kinesis-local: inside the window a
 * resend is a 202 without a second write; after a task restart (a new
 * process: an empty window) it is written again, byte for byte the same
 * event, so downstream identity (source, eventId) with the same fingerprint
 * counts it once.
 */
import { expect } from "chai";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { FastifyInstance } from "fastify";
import { createStream } from "../../local/emulators/kinesis";
import { Producer } from "../../functions/ingest/producer";
import { IdempotentPublisher } from "../../functions/ingest/idempotency";
import { buildServer } from "../../functions/ingest/server";
import { dedupeByEventId } from "../../functions/processor/aggregate";
import { fingerprint, identityKey } from "../../functions/shared/identity";
import type { FlightEvent } from "../../functions/shared/events";
import { kinesisSuite, readStreamEvents, seeded, testKeys } from "./helpers";
import { validOffer, validSearch } from "./arbitraries";

const KEYS = testKeys();

describe("resends: inside the window and after a task restart (kinesis-local)", function () {
    this.timeout(60000);
    const suite = kinesisSuite();
    const { producers, apps } = suite;
    let client: KinesisClient;
    before(() => (client = suite.client));

    /** One ingestion task: its own producer and its own (empty) identity window. */
    async function task(stream: string): Promise<{ app: FastifyInstance; producer: Producer }> {
        const producer = new Producer({ client, streamName: stream, lingerMs: 5, random: seeded(11) });
        await producer.start();
        producers.push(producer);
        const app = buildServer({ auth: KEYS.auth, publisher: new IdempotentPublisher(producer) });
        apps.push(app);
        return { app, producer };
    }

    it("a resend inside the window is a 202 without a second write; after a restart it is written again and counted once by identity", async () => {
        await createStream(client, "resend-1", 2);
        const events = [validSearch({ eventId: "rs-1", source: "web-ch" }), { ...validOffer({ eventId: "rs-2" }), source: undefined }];
        // The first copy omits source on the second event (filled in from the key), the resend spells it out, in another key order.
        const body = JSON.stringify(events);
        const resend = JSON.stringify([events[0], Object.fromEntries(Object.entries({ ...events[1], source: "web-ch" }).reverse())]);
        const a = await task("resend-1");
        const first = await a.app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: body });
        expect(first.statusCode, first.body).to.equal(202);
        const again = await a.app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: resend });
        expect(again.statusCode, again.body).to.equal(202);
        expect(JSON.parse(again.body)).to.deep.equal({ accepted: 2 });
        let stored = (await readStreamEvents(client, "resend-1")) as unknown as FlightEvent[];
        expect(stored.map((e) => e.eventId).sort()).to.deep.equal(["rs-1", "rs-2"]);
        // A conflict inside the window is still a 409.
        const conflict = await a.app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: JSON.stringify([{ ...events[0], passengers: 3 }]) });
        expect(conflict.statusCode).to.equal(409);

        // The task restarts (drained, a new one with an empty window): the client's resend is written again.
        await a.producer.drain();
        const b = await task("resend-1");
        const afterRestart = await b.app.inject({ method: "POST", url: "/v1/events", headers: KEYS.headers("web-ch"), payload: resend });
        expect(afterRestart.statusCode, afterRestart.body).to.equal(202);
        stored = (await readStreamEvents(client, "resend-1")) as unknown as FlightEvent[];
        expect(stored.map((e) => e.eventId).sort()).to.deep.equal(["rs-1", "rs-1", "rs-2", "rs-2"]);
        // Downstream the two copies are one identity with one fingerprint (the processor's identity gate and the lake
        // dedupe by exactly this), so the event is counted once.
        const byIdentity = new Map<string, Set<string>>();
        for (const e of stored) byIdentity.set(identityKey(e), (byIdentity.get(identityKey(e)) ?? new Set()).add(fingerprint(e)));
        expect([...byIdentity.entries()].map(([k, f]) => [k, f.size]).sort()).to.deep.equal([
            ["web-ch\u0000rs-1", 1],
            ["web-ch\u0000rs-2", 1],
        ]);
        expect(
            dedupeByEventId(stored)
                .map((e) => e.eventId)
                .sort(),
        ).to.deep.equal(["rs-1", "rs-2"]);
    });
});
