/** Shared fixtures for the analytics tests: a local Data API over PGlite, Kinesis events, event factories. */
import { gzipSync } from "zlib";
import { expect } from "chai";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { startDataApi } from "../../local/dataapi";
import { DataApi } from "../../functions/shared/db/dataapi";
import { runMigrations } from "../../functions/shared/db/migrations";
import { encodeAggregatedRecord } from "../../functions/shared/codec";
import { Logger } from "@aws-lambda-powertools/logger";
import { createProcessor, type ProcessorDeps } from "../../functions/processor/handler";

export interface TestDb {
    readonly db: DataApi;
    stop(): Promise<void>;
}

/** Starts a fresh in-memory database behind a local Data API endpoint; `migrate` applies the schema. */
export async function startTestDb(migrate = true): Promise<TestDb> {
    const local = await startDataApi();
    const db = new DataApi({ client: local.client(), resourceArn: local.resourceArn, secretArn: local.secretArn, database: local.database });
    if (migrate) await runMigrations(db);
    return { db, stop: () => local.stop() };
}

let shared: Promise<TestDb> | undefined;

/**
 * One migrated database for every analytics test file (PGlite start-up is the
 * slow part); tests isolate themselves with `truncateAll`. Stopped at exit.
 */
export function sharedTestDb(): Promise<TestDb> {
    shared ??= startTestDb(true);
    return shared;
}

// Root-level hook (registered when a test file imports this module): stop the shared database.
if (typeof after === "function") {
    after(async () => {
        const s = shared;
        shared = undefined;
        if (s) await (await s).stop();
    });
}

export const DATA_TABLES = [
    "processed_events",
    "route_minute_stats",
    "offer_price_stats",
    "bookings",
    "flight_inventory",
    "unmatched_cancellations",
    "alerts",
    "offer_deals",
    "price_adjustments",
    "rejected_events",
    "identity_conflicts",
    "booking_events",
    "cancellation_events",
    "cancellation_mismatches",
    "stream_record_claims",
    "identity_digests",
];

export async function truncateAll(db: DataApi): Promise<void> {
    await db.execute(`TRUNCATE ${DATA_TABLES.join(", ")} RESTART IDENTITY`);
}

let seq = 0;
export function nextSequence(): string {
    seq++;
    return `4961${String(seq).padStart(52, "0")}`;
}

/** Default Kinesis arrival time of test records (the processor checks occurredAt's window around it). */
export const TEST_ARRIVAL = Date.parse("2026-11-22T12:00:00Z") / 1000;

export function kinesisRecord(data: Uint8Array, sequenceNumber = nextSequence(), partitionKey = "pk", arrival = TEST_ARRIVAL): KinesisStreamRecord {
    return {
        kinesis: {
            kinesisSchemaVersion: "1.0",
            partitionKey,
            sequenceNumber,
            data: Buffer.from(data).toString("base64"),
            approximateArrivalTimestamp: arrival,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: "arn:aws:iam::123456789012:role/processor",
        awsRegion: "eu-west-1",
        eventSourceARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/events",
    };
}

/** One plain record carrying one event (or an array of events) as JSON. */
export function jsonRecord(value: unknown, sequenceNumber?: string): KinesisStreamRecord {
    return kinesisRecord(Buffer.from(JSON.stringify(value)), sequenceNumber);
}

/** A KPL aggregate of several user records, each gzipped JSON. */
export function aggregateRecord(values: unknown[], sequenceNumber?: string): KinesisStreamRecord {
    const data = encodeAggregatedRecord({
        partitionKeyTable: ["a", "b"],
        explicitHashKeyTable: [],
        records: values.map((v, i) => ({ partitionKeyIndex: i % 2, data: gzipSync(Buffer.from(JSON.stringify(v))) })),
    });
    return kinesisRecord(data, sequenceNumber);
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
    return { Records: records };
}

const base = (eventId: string, occurredAt: string) => ({ eventId, occurredAt, source: "test-site" });

export function search(eventId: string, route: string, occurredAt: string) {
    const [origin, destination] = route.split("-");
    return { ...base(eventId, occurredAt), type: "search", origin, destination, departureDate: "2026-12-01", passengers: 1, cabin: "economy" };
}

export function offer(eventId: string, route: string, occurredAt: string, amount: number, currency = "CHF") {
    const [origin, destination] = route.split("-");
    return { ...base(eventId, occurredAt), type: "offer", origin, destination, departureDate: "2026-12-01", carrier: "LX", price: { amount, currency } };
}

export function flight(number = "318", route = "ZRH-LIS", departureDate = "2026-12-01", carrier = "LX") {
    const [origin, destination] = route.split("-");
    return { carrier, number, departureDate, origin, destination };
}

export function booking(eventId: string, bookingId: string, seats: number, occurredAt: string, f = flight()) {
    return { ...base(eventId, occurredAt), type: "booking", bookingId, flight: f, seats, fare: { amount: 199.5, currency: "CHF" } };
}

export function cancellation(eventId: string, bookingId: string, seats: number, occurredAt: string, f = flight()) {
    return { ...base(eventId, occurredAt), type: "cancellation", bookingId, flight: f, seats };
}

/** Rows of a table as plain objects, ordered, for exact comparisons. */
export async function rows(db: DataApi, sql: string): Promise<Record<string, unknown>[]> {
    return db.query(sql);
}

/** A processor suite's database and factory (valid once the suite's `before` ran). */
export interface ProcessorSuite {
    /** The shared test database (sharedTestDb), truncated before each test. */
    readonly db: DataApi;
    /** A processor on `db` (silent logger, no cleanup timer), with the suite's defaults and then `extra`. */
    make(extra?: Partial<ProcessorDeps>): ReturnType<typeof createProcessor>;
}

/**
 * Registers the hooks the processor suites share (call inside `describe`):
 * the shared test database once, truncated before each test; Powertools
 * silent. `defaults` are the suite's own processor deps (a scoring backend).
 */
export function processorSuite(serviceName: string, defaults: Partial<ProcessorDeps> = {}): ProcessorSuite {
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
    const logger = new Logger({ serviceName, logLevel: "SILENT" });
    let db: DataApi | undefined;
    before(async () => {
        db = (await sharedTestDb()).db;
    });
    beforeEach(async () => truncateAll(suite.db));
    const suite: ProcessorSuite = {
        get db(): DataApi {
            if (db === undefined) throw new Error("processorSuite: the database is there once the suite's before() ran");
            return db;
        },
        make: (extra = {}) => createProcessor({ db: suite.db, logger, cleanupIntervalMinutes: 0, ...defaults, ...extra }),
    };
    return suite;
}

/** Asserts an insights API 400 whose JSON body is exactly `body` (the errors, each naming the parameter, the value and what is allowed). */
export function expectBadRequest(res: { statusCode: number; body: string }, body: { errors: { path: string; message: string }[] } | { message: string }): void {
    expect({ statusCode: res.statusCode, body: JSON.parse(res.body) }).to.deep.equal({ statusCode: 400, body });
}
