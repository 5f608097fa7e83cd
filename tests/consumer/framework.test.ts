/**
 * The consumer framework's contract without a stream (pure): decoding old and
 * framed records, in-batch deduplication, failures mapped to every record
 * carrying a copy, poison records, a handler that breaks the contract, and
 * the derived-stream handler's isolation of bad transforms and failed writes.
 */
import { expect } from "chai";
import type { KinesisStreamEvent } from "aws-lambda";
import { encodeFrame, resolveFrameOptions } from "../../functions/shared/codec";
import { type ConsumedEvent, consumeBatch } from "../../functions/consumer/framework";
import { derivedStreamHandler } from "../../functions/consumer/derived";
import { cleanEvent, isCleanEvent } from "../../functions/consumer/clean/transform";
import type { FlightEvent } from "../../functions/shared/events";

const now = Date.now();
function search(id: string, extra: Record<string, unknown> = {}): FlightEvent {
    return { eventId: id, type: "search", source: "web-eu", occurredAt: new Date(now - 1000).toISOString(), origin: "ZRH", destination: "JFK", departureDate: "2027-01-15", passengers: 1, cabin: "economy", ...extra } as FlightEvent;
}
function record(seq: string, data: Buffer | string) {
    return {
        kinesis: { kinesisSchemaVersion: "1.0", partitionKey: "pk", sequenceNumber: seq, data: Buffer.from(data).toString("base64"), approximateArrivalTimestamp: now / 1000 },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `s:${seq}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "",
        awsRegion: "us-east-1",
        eventSourceARN: "",
    };
}
const batch = (...records: ReturnType<typeof record>[]): KinesisStreamEvent => ({ Records: records }) as KinesisStreamEvent;

describe("consumer framework (pure)", () => {
    it("hands over decoded, validated events once per copy and fails every record carrying a failed event", async () => {
        const frame = encodeFrame(
            "search",
            [search("a"), search("b")].map((e) => Buffer.from(JSON.stringify(e))),
            resolveFrameOptions(),
        );
        let given: ConsumedEvent[] = [];
        const s = await consumeBatch(
            batch(record("1", frame), record("2", JSON.stringify(search("a"))), record("3", JSON.stringify(search("c"))), record("4", "{nope")),
            async (events) => {
                given = [...events];
                return { failed: events.filter((e) => e.event.eventId === "a") };
            },
            { log: () => undefined },
        );
        expect(given.map((g) => g.event.eventId)).to.deep.equal(["a", "b", "c"]);
        expect(s.duplicates).to.equal(1);
        expect(s.poisonRecords).to.equal(1);
        expect(s.failedEvents).to.equal(1);
        // "a" was in records 1 and 2; record 4 is poison.
        expect(s.response.batchItemFailures).to.deep.equal([{ itemIdentifier: "1" }, { itemIdentifier: "2" }, { itemIdentifier: "4" }]);
    });

    it("passes the same identity with other content on as a separate event (the handler sees the conflict)", async () => {
        const s = await consumeBatch(batch(record("1", JSON.stringify(search("a"))), record("2", JSON.stringify(search("a", { passengers: 2 })))), async (events) => {
            expect(events.map((e) => e.key)).to.deep.equal([events[0].key, events[0].key]);
            expect(events[0].fingerprint).to.not.equal(events[1].fingerprint);
        });
        expect(s.response.batchItemFailures).to.deep.equal([]);
    });

    it("fails when the handler returns an event that was not in the batch, naming it", async () => {
        let err: Error | undefined;
        try {
            await consumeBatch(batch(record("1", JSON.stringify(search("a")))), async (events) => ({ failed: [{ ...events[0] }] }));
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal('consumer handler: `failed` must hold the event objects it was given; received one that is not in the batch ("web-eu\\u0000a")');
    });

    it("fails only the events whose transform throws, breaks their identity or whose write fails (derived streams)", async () => {
        const written: string[] = [];
        const handler = derivedStreamHandler(
            (c) => {
                if (c.event.eventId === "boom") throw new Error("cannot clean");
                if (c.event.eventId === "renamed") return { ...c.event, eventId: "other" };
                if (c.event.eventId === "skip") return null;
                return cleanEvent(c.event);
            },
            {
                publish: async (events) => {
                    if (events[0].eventId === "unwritable") throw new Error("PutRecords failed");
                    written.push(...events.map((e) => e.eventId));
                },
            },
        );
        const s = await consumeBatch(batch(...["ok", "boom", "renamed", "skip", "unwritable", "ok2"].map((id, i) => record(String(i + 1), JSON.stringify(search(id))))), handler);
        expect(written).to.deep.equal(["ok", "ok2"]);
        expect(s.response.batchItemFailures).to.deep.equal([{ itemIdentifier: "2" }, { itemIdentifier: "3" }, { itemIdentifier: "5" }]);
    });

    it("cleans: fields of the type only, occurredAt in UTC, the authenticated source, route and UTC day", () => {
        const e = cleanEvent(search("a", { occurredAt: "2026-11-30T23:30:00+02:00", debugInfo: { x: 1 } })) as unknown as Record<string, any>;
        expect(e.occurredAt).to.equal("2026-11-30T21:30:00.000Z");
        expect(e).to.not.have.property("debugInfo");
        expect(e.clean).to.deep.equal({ version: 1, authenticatedSource: "web-eu", occurredAtAsSent: "2026-11-30T23:30:00+02:00", eventDay: "2026-11-30", eventHour: "21", route: "ZRH-JFK", departureDate: "2027-01-15" });
        expect(isCleanEvent(e as unknown as FlightEvent)).to.equal(true);
        expect(isCleanEvent(search("raw"))).to.equal(false);
    });
});
