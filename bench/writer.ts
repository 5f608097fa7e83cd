/**
 * npx ts-node bench/writer.ts [--events N] [--out FILE]   (or npm run bench -- --only writer)
 *
 * The processor's write path per event, before and after issue 22's
 * exactly-once redesign, in ONE run over the same corpus, through the real
 * processor, the real Data API client and the local Data API (PGlite):
 *
 * - before: every event claims a processed_events row (the per-event gate);
 * - after: bookings and cancellations claim a processed_events row, searches
 *   and offers go into one identity_digests row per chunk and event hour, each
 *   record part is claimed once (stream_record_claims).
 *
 * Reported per event: identity rows written, identity bytes stored (tables and
 * indexes; the GIN index runs without a pending list), Data API calls and
 * transactions, and the local wall time as a ratio after/before (PGlite on
 * this machine: a ratio, never an absolute figure for Aurora). The same
 * batches are then delivered again (a retry / replay from the stream) and
 * measured the same way. docs/capacity.md ("Aurora") turns the per-event
 * figures into prod's ACUs (functions/shared/capacity.ts planAurora).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseNodeArgs } from "node:util";
import { buildCorpus } from "./corpus";
import { producerRecords, type LambdaKinesisRecord } from "./consumer";
import { startDataApi } from "../local/dataapi";
import { DataApi } from "../functions/shared/db/dataapi";
import { runMigrations } from "../functions/shared/db/migrations";
import { createProcessor } from "../functions/processor/handler";
import { EVENT_TYPES } from "../functions/shared/events";

export interface WriterPass {
    readonly events: number;
    readonly counted: number;
    /** Rows inserted, updated or deleted in every table (pg_stat_user_tables), per event. */
    readonly rowWritesPerEvent: number;
    readonly dataApiCallsPerEvent: number;
    readonly transactionsPerEvent: number;
    readonly ms: number;
}

export interface WriterMode {
    readonly mode: "before" | "after";
    readonly identityRowsPerEvent: number;
    readonly identityBytesPerEvent: number;
    readonly rowsByTable: Record<string, number>;
    readonly first: WriterPass;
    readonly redelivery: WriterPass;
}

export interface WriterResult {
    readonly events: number;
    readonly records: number;
    readonly batchRecords: number;
    readonly typeShares: Record<string, number>;
    readonly before: WriterMode;
    readonly after: WriterMode;
    /** after / before, same run. */
    readonly identityRowsRatio: number;
    readonly identityBytesRatio: number;
    readonly rowWritesRatio: number;
    readonly localWallRatio: number;
    readonly redeliveryCallsRatio: number;
    /** Goal: identity rows per event at most this (bookings + cancellations share + 1 digest row per chunk-hour + claims). */
    readonly target: { identityRowsPerEvent: number };
}

const IDENTITY_TABLES = ["processed_events", "identity_digests", "stream_record_claims"] as const;

async function runMode(mode: "before" | "after", records: readonly LambdaKinesisRecord[], batchRecords: number, events: number, log: (l: string) => void): Promise<WriterMode> {
    process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
    const server = await startDataApi();
    try {
        const db = new DataApi({ client: server.client() as never, resourceArn: server.resourceArn, secretArn: server.secretArn, database: server.database });
        await runMigrations(db);
        let begins = 0;
        const begin = db.begin.bind(db);
        db.begin = async () => {
            begins++;
            return begin();
        };
        const processor = createProcessor({
            db, cleanupIntervalMinutes: 0,
            // "before": every type keeps a per-event row and no record is claimed (no shard id on the records).
            ...(mode === "before" ? { perEventIdentityTypes: new Set<string>(EVENT_TYPES) } : {}),
        });
        const input = mode === "before" ? records.map((r) => ({ ...r, eventID: undefined as unknown as string })) : records;
        const rowWrites = async () => {
            await db.query("SELECT pg_stat_force_next_flush()");
            const r = await db.query<{ n: number }>("SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint AS n FROM pg_stat_user_tables");
            return Number(r[0].n);
        };
        const pass = async (): Promise<WriterPass> => {
            const writesBefore = await rowWrites();
            db.takeStats();
            begins = 0;
            let counted = 0;
            const started = performance.now();
            for (let i = 0; i < input.length; i += batchRecords) {
                const out = await processor.processBatch({ Records: input.slice(i, i + batchRecords) as never });
                if (out.response.batchItemFailures.length > 0) throw new Error(`${mode}: ${out.response.batchItemFailures.length} records failed`);
                counted += out.stats.counted;
            }
            const ms = performance.now() - started;
            const calls = db.takeStats().calls;
            const writes = (await rowWrites()) - writesBefore;
            return { events, counted, rowWritesPerEvent: writes / events, dataApiCallsPerEvent: calls / events, transactionsPerEvent: begins / events, ms };
        };
        const first = await pass();
        if (first.counted !== events) throw new Error(`${mode}: counted ${first.counted} of ${events} events`);
        const redelivery = await pass();
        if (redelivery.counted !== 0) throw new Error(`${mode}: the redelivery counted ${redelivery.counted} events again`);
        const rowsByTable: Record<string, number> = {};
        let bytes = 0;
        for (const t of IDENTITY_TABLES) {
            const r = await db.query<{ n: number; bytes: number }>(`SELECT (SELECT count(*) FROM ${t})::int AS n, pg_total_relation_size('${t}')::bigint AS bytes`);
            rowsByTable[t] = Number(r[0].n);
            bytes += Number(r[0].bytes);
        }
        const rows = Object.values(rowsByTable).reduce((a, b) => a + b, 0);
        log(`writer ${mode}: ${rows} identity rows, ${bytes} identity bytes, ${first.rowWritesPerEvent.toFixed(3)} row writes/event, ${first.dataApiCallsPerEvent.toFixed(4)} calls/event, ${first.ms.toFixed(0)} ms; redelivery ${redelivery.dataApiCallsPerEvent.toFixed(4)} calls/event`);
        return { mode, identityRowsPerEvent: rows / events, identityBytesPerEvent: bytes / events, rowsByTable, first, redelivery };
    } finally {
        await server.stop();
    }
}

export async function benchWriter(opts: { events: number; batchRecords?: number }, log: (l: string) => void = console.log): Promise<WriterResult> {
    const corpus = buildCorpus({ events: opts.events, start: new Date(1_795_000_000_000 - 3_600_000).toISOString() });
    const records = producerRecords(corpus.payloads, corpus.events.map((e) => e.eventId));
    const batchRecords = opts.batchRecords ?? 100;
    const shares: Record<string, number> = {};
    for (const e of corpus.events) shares[e.type] = (shares[e.type] ?? 0) + 1 / corpus.events.length;
    log(`writer: ${opts.events} corpus events in ${records.length} records, ${batchRecords} records per invocation`);
    const before = await runMode("before", records, batchRecords, opts.events, log);
    const after = await runMode("after", records, batchRecords, opts.events, log);
    const stateShare = (shares.booking ?? 0) + (shares.cancellation ?? 0);
    return {
        events: opts.events, records: records.length, batchRecords, typeShares: shares, before, after,
        identityRowsRatio: after.identityRowsPerEvent / before.identityRowsPerEvent,
        identityBytesRatio: after.identityBytesPerEvent / before.identityBytesPerEvent,
        rowWritesRatio: after.first.rowWritesPerEvent / before.first.rowWritesPerEvent,
        localWallRatio: after.first.ms / before.first.ms,
        redeliveryCallsRatio: after.redelivery.dataApiCallsPerEvent / before.redelivery.dataApiCallsPerEvent,
        target: { identityRowsPerEvent: stateShare + 0.01 },
    };
}

/** Writes only the `writer` section of a results file (the other sections are other benches'). */
export function writeWriterSection(file: string, result: WriterResult): void {
    const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    current.writer = { measuredAt: new Date().toISOString(), command: "npx ts-node bench/writer.ts", ...result };
    fs.writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
}

if (require.main === module) {
    const { values } = parseNodeArgs({ options: { events: { type: "string", default: "20000" }, out: { type: "string", default: path.join(__dirname, "results.json") } } });
    const events = Number(values.events);
    if (!Number.isInteger(events) || events < 100 || events > 1_000_000) {
        console.error(`--events must be an integer from 100 to 1000000 (received ${JSON.stringify(values.events)})`);
        process.exit(2);
    }
    benchWriter({ events }).then((r) => {
        writeWriterSection(values.out!, r);
        console.log(JSON.stringify({ identityRowsPerEvent: [r.before.identityRowsPerEvent, r.after.identityRowsPerEvent], identityBytesPerEvent: [r.before.identityBytesPerEvent, r.after.identityBytesPerEvent], rowWritesPerEvent: [r.before.first.rowWritesPerEvent, r.after.first.rowWritesPerEvent], callsPerEvent: [r.before.first.dataApiCallsPerEvent, r.after.first.dataApiCallsPerEvent], localWallRatio: r.localWallRatio, redeliveryCallsRatio: r.redeliveryCallsRatio }, null, 1));
    }).catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
