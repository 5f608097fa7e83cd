/**
 * npx ts-node bench/writer.ts [--events N] [--out FILE]   (or npm run bench -- --only writer)
 *
 * The processor's write path per event, before and after issue 22's
 * exactly-once redesign, in ONE run over the same corpus, through the real
 * processor, the real Data API client and the local Data API (PGlite):
 *
 * - before: every event claims a processed_events row (the per-event gate),
 *   one transaction per chunk;
 * - after: bookings and cancellations claim a processed_events row, searches
 *   and offers go into one identity_digests row per chunk and event hour, each
 *   record part is claimed once (stream_record_claims), the whole batch is one
 *   transaction whose aggregates are pre-aggregated in memory (one multi-row
 *   upsert per table per batch);
 * - after, searches and offers only (`shopping`): what 10 TB/day is made of.
 *
 * Server CPU (bench/writer-pg.ts): every statement the local Data API ran in
 * the first pass is replayed, in order, into a native PostgreSQL and the
 * session backend's on-CPU time is read around each one: seconds per event,
 * per 1,000 row writes and per statement; and the statement shapes alone
 * (route_minute_stats upserts: one statement per row, as
 * BatchExecuteStatement runs them, vs one multi-row statement). Bookings and
 * cancellations cost is derived from the corpus mix and the shopping run.
 *
 * Reported per event: identity rows written, identity bytes stored (tables and
 * indexes; the GIN index runs without a pending list), Data API calls and
 * transactions, and the local wall time as a ratio after/before (PGlite on
 * this machine: a ratio, never an absolute figure for Aurora). The same
 * batches are then delivered again (a retry / replay from the stream) and
 * measured the same way. docs/capacity.md ("Aurora") turns the per-event
 * figures into prod's ACUs (functions/shared/capacity.ts planDataPath).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseNodeArgs } from "node:util";
import { buildCorpus } from "./corpus";
import { producerRecords, type LambdaKinesisRecord } from "./consumer";
import { PgliteEngine, startDataApi } from "../local/dataapi";
import { NativePostgres, RecordingEngine, ReplayResult, TraceEntry, nativePostgresUnavailable, replay } from "./writer-pg";
import * as WRITER_SQL from "../functions/processor/sql";
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

/** The first pass replayed on a native PostgreSQL (bench/writer-pg.ts): the server's own CPU. */
export interface WriterServerCpu {
    /** Backend on-CPU seconds per event, and per 1,000 row writes (the same server's pg_stat_user_tables). */
    readonly cpuSecondsPerEvent: number;
    readonly cpuSecondsPer1000RowWrites: number;
    readonly rowWritesPerEvent: number;
    readonly rowWritesByTable: Record<string, number>;
    /** On-CPU seconds per event and statements per event, by statement (functions/processor/sql.ts names). */
    readonly byStatement: Record<string, { cpuSecondsPerEvent: number; statementsPerEvent: number }>;
}

export interface WriterMode {
    readonly mode: "before" | "after";
    readonly identityRowsPerEvent: number;
    readonly identityBytesPerEvent: number;
    readonly rowsByTable: Record<string, number>;
    /** Row writes of the first pass by table (PGlite's pg_stat_user_tables), per event. */
    readonly rowWritesPerEventByTable: Record<string, number>;
    /** Absent when no native PostgreSQL is installed (nativeUnavailable says why). */
    readonly serverCpu?: WriterServerCpu;
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
    /** The same "after" write path over the corpus's searches and offers only (the shopping traffic of 10 TB/day). */
    readonly shopping?: { readonly events: number; readonly mode: WriterMode };
    /** Per event type class, native server CPU seconds per event: shopping measured alone, state derived from the corpus mix. */
    readonly cpuSecondsPerEventByClass?: { readonly shopping: number; readonly state: number; readonly stateShare: number };
    /** Statement shapes on the native server: on-CPU seconds per 1,000 row writes of route_minute_stats. */
    readonly shapes?: Record<string, { cpuSecondsPer1000RowWrites: number; rows: number }>;
    /** Why the native PostgreSQL figures are missing. */
    readonly nativeUnavailable?: string;
}

const normalise = (sql: string) =>
    sql
        .replace(/\$\d+|(?<!:):[A-Za-z_]\w*/g, "?")
        .replace(/\s+/g, " ")
        .trim();
const STATEMENT_NAMES = new Map(
    Object.entries(WRITER_SQL)
        .filter(([, v]) => typeof v === "string")
        .map(([k, v]) => [normalise(v as string), k]),
);
/** The name of a writer statement in functions/processor/sql.ts, else its first words. */
export function statementLabel(sql: string): string {
    const n = normalise(sql);
    return STATEMENT_NAMES.get(n) ?? (/^(BEGIN|COMMIT|ROLLBACK)/i.test(n) ? n.split(" ")[0].toUpperCase() : n.slice(0, 48));
}

function serverCpu(r: ReplayResult, events: number): WriterServerCpu {
    const byStatement: WriterServerCpu["byStatement"] = {};
    for (const [k, v] of Object.entries(r.byStatement).sort((a, b) => b[1].cpuSeconds - a[1].cpuSeconds)) {
        byStatement[k] = { cpuSecondsPerEvent: v.cpuSeconds / events, statementsPerEvent: v.statements / events };
    }
    const perTable: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.rowWritesByTable)) perTable[k] = v / events;
    return { cpuSecondsPerEvent: r.cpuSeconds / events, cpuSecondsPer1000RowWrites: r.rowWrites > 0 ? (r.cpuSeconds / r.rowWrites) * 1000 : 0, rowWritesPerEvent: r.rowWrites / events, rowWritesByTable: perTable, byStatement };
}

/** route_minute_stats upserts on the native server: one statement per row (BatchExecuteStatement's shape) vs one multi-row statement. */
async function measureShapes(pg: NativePostgres, rows = 2000): Promise<Record<string, { cpuSecondsPer1000RowWrites: number; rows: number }>> {
    await pg.run(
        "CREATE TABLE IF NOT EXISTS route_minute_stats (route text NOT NULL, minute timestamptz NOT NULL, origin text NOT NULL, destination text NOT NULL, searches bigint NOT NULL DEFAULT 0, offers bigint NOT NULL DEFAULT 0, bookings bigint NOT NULL DEFAULT 0, cancellations bigint NOT NULL DEFAULT 0, seats_booked bigint NOT NULL DEFAULT 0, seats_cancelled bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (route, minute));",
    );
    const set = (prefix: string) =>
        Array.from({ length: rows }, (_, i) => ({
            route: `${prefix}${i % 400}-X`,
            minute: new Date(1_795_000_000_000 + Math.floor(i / 400) * 60_000).toISOString(),
            origin: `${prefix}${i % 400}`,
            destination: "X",
            searches: 3,
            offers: 1,
            bookings: 0,
            cancellations: 0,
            seats_booked: 0,
            seats_cancelled: 0,
        }));
    const q = (v: unknown) => `'${String(v).replace(/'/g, "''")}'`;
    const single = (r: ReturnType<typeof set>[number]) =>
        WRITER_SQL.UPSERT_ROUTE_MINUTE.replace(/CAST\(:minute AS timestamptz\)/, `CAST(${q(r.minute)} AS timestamptz)`).replace(
            /:(route|origin|destination|searches|offers|bookings|cancellations|seats_booked|seats_cancelled)\b/g,
            (_m, k: string) => (typeof (r as never)[k] === "number" ? String((r as never)[k]) : q((r as never)[k])),
        ) + ";";
    const multi = (rs: ReturnType<typeof set>) => WRITER_SQL.UPSERT_ROUTE_MINUTES.replace(":rows::jsonb", `${q(JSON.stringify(rs))}::jsonb`) + ";";
    const out: Record<string, { cpuSecondsPer1000RowWrites: number; rows: number }> = {};
    const measure = async (name: string, statements: string[]) => {
        let ns = await pg.timed("BEGIN;");
        for (const st of statements) ns += await pg.timed(st);
        ns += await pg.timed("COMMIT;");
        out[name] = { cpuSecondsPer1000RowWrites: (ns / 1e9 / rows) * 1000, rows };
    };
    const a = set("S");
    await measure("singleRowInsert", a.map(single));
    await measure("singleRowUpdate", a.map(single));
    const b = set("M");
    await measure("multiRowInsert", [multi(b)]);
    await measure("multiRowUpdate", [multi(b)]);
    return out;
}

const IDENTITY_TABLES = ["processed_events", "identity_digests", "stream_record_claims"] as const;

async function runMode(mode: "before" | "after", records: readonly LambdaKinesisRecord[], batchRecords: number, events: number, log: (l: string) => void, native?: () => Promise<NativePostgres>): Promise<WriterMode> {
    process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
    process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
    const engine = new RecordingEngine(await PgliteEngine.create(), statementLabel);
    const server = await startDataApi({ engine });
    let setup: TraceEntry[];
    let measured: TraceEntry[];
    try {
        const db = new DataApi({ client: server.client() as never, resourceArn: server.resourceArn, secretArn: server.secretArn, database: server.database });
        engine.recording = true;
        await runMigrations(db);
        engine.recording = false;
        setup = engine.trace.splice(0);
        let begins = 0;
        const begin = db.begin.bind(db);
        db.begin = async () => {
            begins++;
            return begin();
        };
        const processor = createProcessor({
            db,
            cleanupIntervalMinutes: 0,
            // "before": every type keeps a per-event row and no record is claimed (no shard id on the records).
            ...(mode === "before" ? { perEventIdentityTypes: new Set<string>(EVENT_TYPES), batchTransaction: false } : {}),
        });
        const input = mode === "before" ? records.map((r) => ({ ...r, eventID: undefined as unknown as string })) : records;
        const rowWrites = async () => {
            await db.query("SELECT pg_stat_force_next_flush()");
            const r = await db.query<{ n: number }>("SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint AS n FROM pg_stat_user_tables");
            return Number(r[0].n);
        };
        const pass = async (): Promise<WriterPass> => {
            const tablesBefore = await rowWritesByTable();
            const writesBefore = await rowWrites();
            db.takeStats();
            engine.recording = true;
            begins = 0;
            let counted = 0;
            const started = performance.now();
            for (let i = 0; i < input.length; i += batchRecords) {
                const out = await processor.processBatch({ Records: input.slice(i, i + batchRecords) as never });
                if (out.response.batchItemFailures.length > 0) throw new Error(`${mode}: ${out.response.batchItemFailures.length} records failed`);
                counted += out.stats.counted;
            }
            const ms = performance.now() - started;
            engine.recording = false;
            const calls = db.takeStats().calls;
            const writes = (await rowWrites()) - writesBefore;
            const tablesAfter = await rowWritesByTable();
            lastByTable = {};
            for (const [t, n] of Object.entries(tablesAfter)) if (n - (tablesBefore[t] ?? 0) > 0) lastByTable[t] = (n - (tablesBefore[t] ?? 0)) / events;
            return { events, counted, rowWritesPerEvent: writes / events, dataApiCallsPerEvent: calls / events, transactionsPerEvent: begins / events, ms };
        };
        let lastByTable: Record<string, number> = {};
        const rowWritesByTable = async () => {
            await db.query("SELECT pg_stat_force_next_flush()");
            const r = await db.query<{ t: string; n: number }>("SELECT relname AS t, (n_tup_ins + n_tup_upd + n_tup_del)::bigint AS n FROM pg_stat_user_tables");
            return Object.fromEntries(r.map((x) => [String(x.t), Number(x.n)])) as Record<string, number>;
        };
        const first = await pass();
        const rowWritesPerEventByTable = lastByTable;
        measured = engine.trace.splice(0);
        if (first.counted !== events) throw new Error(`${mode}: counted ${first.counted} of ${events} events`);
        engine.trace.length = 0;
        const redelivery = await pass();
        engine.trace.length = 0;
        if (redelivery.counted !== 0) throw new Error(`${mode}: the redelivery counted ${redelivery.counted} events again`);
        const rowsByTable: Record<string, number> = {};
        let bytes = 0;
        for (const t of IDENTITY_TABLES) {
            const r = await db.query<{ n: number; bytes: number }>(`SELECT (SELECT count(*) FROM ${t})::int AS n, pg_total_relation_size('${t}')::bigint AS bytes`);
            rowsByTable[t] = Number(r[0].n);
            bytes += Number(r[0].bytes);
        }
        const rows = Object.values(rowsByTable).reduce((a, b) => a + b, 0);
        log(
            `writer ${mode}: ${rows} identity rows, ${bytes} identity bytes, ${first.rowWritesPerEvent.toFixed(3)} row writes/event ${JSON.stringify(rowWritesPerEventByTable)}, ${first.dataApiCallsPerEvent.toFixed(4)} calls/event, ${first.ms.toFixed(0)} ms; redelivery ${redelivery.dataApiCallsPerEvent.toFixed(4)} calls/event`,
        );
        let cpu: WriterServerCpu | undefined;
        if (native) {
            const pg = await native();
            try {
                cpu = serverCpu(await replay(pg, setup, measured), events);
            } finally {
                await pg.stop();
            }
            log(
                `writer ${mode} on native PostgreSQL: ${(cpu.cpuSecondsPerEvent * 1e6).toFixed(1)} us server CPU/event, ${cpu.cpuSecondsPer1000RowWrites.toFixed(4)} s per 1,000 row writes, ${cpu.rowWritesPerEvent.toFixed(3)} row writes/event`,
            );
        }
        return { mode, identityRowsPerEvent: rows / events, identityBytesPerEvent: bytes / events, rowsByTable, rowWritesPerEventByTable, ...(cpu ? { serverCpu: cpu } : {}), first, redelivery };
    } finally {
        await server.stop();
    }
}

export async function benchWriter(opts: { events: number; batchRecords?: number; native?: boolean }, log: (l: string) => void = console.log): Promise<WriterResult> {
    const corpus = buildCorpus({ events: opts.events, start: new Date(1_795_000_000_000 - 3_600_000).toISOString() });
    const records = producerRecords(
        corpus.payloads,
        corpus.events.map((e) => e.eventId),
    );
    // 40 records of ~156 corpus events: ~6,200 events per invocation, about one second of one shard's traffic at
    // 10 TB/day and a 2x peak on 48 shards with parallelization 2 (the size a batch has in prod, so pre-aggregation
    // over the batch saves what it would there; the corpus has 50 routes).
    const batchRecords = opts.batchRecords ?? 40;
    const shares: Record<string, number> = {};
    for (const e of corpus.events) shares[e.type] = (shares[e.type] ?? 0) + 1 / corpus.events.length;
    log(`writer: ${opts.events} corpus events in ${records.length} records, ${batchRecords} records per invocation`);
    const nativeUnavailable = opts.native === false ? "disabled by the caller (native: false)" : nativePostgresUnavailable();
    const native = nativeUnavailable ? undefined : () => NativePostgres.start();
    const before = await runMode("before", records, batchRecords, opts.events, log, native);
    const after = await runMode("after", records, batchRecords, opts.events, log, native);
    const stateShare = (shares.booking ?? 0) + (shares.cancellation ?? 0);
    // The shopping traffic alone (searches and offers: what 10 TB/day is made of).
    const shoppingIdx = corpus.events.map((e, i) => (e.type === "search" || e.type === "offer" ? i : -1)).filter((i) => i >= 0);
    const shoppingRecords = producerRecords(
        shoppingIdx.map((i) => corpus.payloads[i]),
        shoppingIdx.map((i) => corpus.events[i].eventId),
    );
    const shoppingMode = await runMode("after", shoppingRecords, batchRecords, shoppingIdx.length, log, native);
    let extra: Partial<WriterResult> = { shopping: { events: shoppingIdx.length, mode: shoppingMode } };
    if (native && after.serverCpu && shoppingMode.serverCpu) {
        const shop = shoppingMode.serverCpu.cpuSecondsPerEvent;
        const state = (after.serverCpu.cpuSecondsPerEvent - (1 - stateShare) * shop) / stateShare;
        const pg = await native();
        let shapes;
        try {
            shapes = await measureShapes(pg);
        } finally {
            await pg.stop();
        }
        log(`writer shapes (native, s per 1,000 row writes): ${JSON.stringify(shapes)}`);
        extra = { ...extra, cpuSecondsPerEventByClass: { shopping: shop, state, stateShare }, shapes };
    } else extra = { ...extra, nativeUnavailable };
    return {
        ...extra,
        events: opts.events,
        records: records.length,
        batchRecords,
        typeShares: shares,
        before,
        after,
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
    benchWriter({ events })
        .then((r) => {
            writeWriterSection(values.out!, r);
            console.log(
                JSON.stringify(
                    {
                        identityRowsPerEvent: [r.before.identityRowsPerEvent, r.after.identityRowsPerEvent],
                        identityBytesPerEvent: [r.before.identityBytesPerEvent, r.after.identityBytesPerEvent],
                        rowWritesPerEvent: [r.before.first.rowWritesPerEvent, r.after.first.rowWritesPerEvent],
                        callsPerEvent: [r.before.first.dataApiCallsPerEvent, r.after.first.dataApiCallsPerEvent],
                        localWallRatio: r.localWallRatio,
                        redeliveryCallsRatio: r.redeliveryCallsRatio,
                    },
                    null,
                    1,
                ),
            );
        })
        .catch((e) => {
            console.error(e);
            process.exit(1);
        });
}
