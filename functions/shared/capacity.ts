/**
 * Kinesis Data Streams capacity planner (pure: no I/O, no AWS calls).
 *
 * From a declared throughput (TB/day or MB/s), the average user-record size,
 * a peak factor and a measured compression ratio, it sizes the stream four
 * ways (plain or KPL-aggregated records, uncompressed or compressed payloads):
 * shards needed by the byte bound and by the record bound, and the monthly
 * cost in provisioned and in on-demand mode. `planReshardSteps` gives the
 * UpdateShardCount calls (each at most 2x up or half down, 10 per rolling
 * 24 h) that reach a target shard count; the reshard workflow reuses it.
 *
 * Units: TB = 10^12 bytes, MB = 10^6 bytes (what people declare); shard limits
 * are 1 MiB/s (1,048,576 bytes) and 1,000 records/s written per shard; AWS
 * bills GB as 2^30 bytes. A month is 730 hours, as AWS pricing pages use.
 */
import { assertIntegerInRange, inputField, problemMessage, type FieldName } from "./range";

// ---------------------------------------------------------------- limits

/** Bytes per second one shard accepts (PutRecords API reference: 1 MiB/s per shard). */
export const SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024;
/** Records per second one shard accepts. */
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000;
/** Default shard quota per stream/account that UpdateShardCount will not exceed without a quota increase. */
export const MAX_SHARDS_PER_STREAM = 10000;
/** UpdateShardCount calls allowed per stream in a rolling 24 hours. */
export const RESHARD_CALLS_PER_24_HOURS = 10;
/** PUT payload unit size: each record is billed in 25 KB chunks (taken as 25 KiB, the conservative reading). */
export const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024;
/** On-demand mode bills ingested and retrieved data per record rounded up to 1 KB. */
export const ON_DEMAND_RECORD_ROUNDING_BYTES = 1024;
/** On-demand default write quota per stream (bytes/s and records/s) before a quota increase. */
export const ON_DEMAND_DEFAULT_WRITE_BYTES_PER_SECOND = 200 * 1024 * 1024;
export const ON_DEMAND_DEFAULT_WRITE_RECORDS_PER_SECOND = 200_000;
/** Overhead of one KPL aggregate: 4-byte magic + 16-byte MD5 (plus the outer partition key). */
export const AGGREGATE_FIXED_OVERHEAD_BYTES = 20;
/** Protobuf bytes around each user record inside an aggregate besides its key and payload (tags, lengths, index). */
export const AGGREGATE_PER_RECORD_OVERHEAD_BYTES = 10;

export const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const GB = 1024 ** 3;
const MIB = 1024 * 1024;

// ---------------------------------------------------------------- prices

/**
 * Amazon Kinesis Data Streams prices, US East (N. Virginia), USD, from the
 * public price list https://aws.amazon.com/kinesis/data-streams/pricing/
 * as last read in 2024-11 (this workspace has no network access to re-check
 * them in 2026-11: verify before budgeting).
 */
export const KINESIS_PRICES_US_EAST_1 = {
    source: "https://aws.amazon.com/kinesis/data-streams/pricing/ (us-east-1)",
    asOf: "2024-11",
    provisioned: {
        shardHour: 0.015,
        putPayloadUnitsPerMillion: 0.014,
        /** Retention above 24 h up to 7 days, per shard hour. */
        extendedRetentionShardHour: 0.02,
        /** Retention beyond 7 days, per GB-month stored. */
        longTermRetentionGbMonth: 0.023,
    },
    onDemand: {
        streamHour: 0.04,
        dataInPerGb: 0.08,
        /** Shared-throughput reads, per GB retrieved (each reading pipeline pays). */
        dataOutPerGb: 0.04,
        /** Retention above 24 h up to 7 days, per GB-month stored. */
        extendedRetentionGbMonth: 0.1,
        longTermRetentionGbMonth: 0.023,
    },
} as const;

// ---------------------------------------------------------------- inputs

export interface CapacityInput {
    /** Average ingest in TB (10^12 bytes) per day. Give this or `mbPerSecond`. */
    readonly tbPerDay?: number;
    /** Average ingest in MB (10^6 bytes) per second. Give this or `tbPerDay`. */
    readonly mbPerSecond?: number;
    /** Average user-record (event) size in bytes, uncompressed. @default 2048 */
    readonly averageRecordBytes?: number;
    /** Peak over average throughput. @default 2 */
    readonly peakFactor?: number;
    /** Uncompressed over compressed payload size (a model input; the producer's frames are measured by bench/frames.ts as frames.ratio200Sources, which the data-path plan uses). @default 3 */
    readonly compressionRatio?: number;
    /** Average partition key size in bytes. @default 16 */
    readonly partitionKeyBytes?: number;
    /** Size producers fill each KPL aggregate to. @default 51200 (the KPL AggregationMaxSize default) */
    readonly aggregateBytes?: number;
    /** Highest share of a shard's write limits to plan for at peak, (0, 1]. @default 0.7 (below the 0.8 capacity alarm) */
    readonly targetUtilization?: number;
    /** Stream retention in hours, 24..8760. @default 24 */
    readonly retentionHours?: number;
    /** Pipelines reading the stream (on-demand bills each one's reads). @default 2 */
    readonly readers?: number;
}

export interface ResolvedCapacityInput {
    readonly averageBytesPerSecond: number;
    readonly averageRecordBytes: number;
    readonly peakFactor: number;
    readonly compressionRatio: number;
    readonly partitionKeyBytes: number;
    readonly aggregateBytes: number;
    readonly targetUtilization: number;
    readonly retentionHours: number;
    readonly readers: number;
}

function isFiniteNumber(v: unknown): v is number {
    return typeof v === "number" && Number.isFinite(v);
}

function positive(argument: string, value: unknown, name: FieldName): number {
    if (!isFiniteNumber(value) || value <= 0) {
        throw new RangeError(problemMessage(argument, "a number greater than 0", value, name));
    }
    return value;
}

const intInRange = assertIntegerInRange;

/** Validates the input and fills defaults; errors name the argument, the value and what is allowed. */
export function resolveCapacityInput(input: CapacityInput, name: FieldName = inputField): ResolvedCapacityInput {
    const hasTb = input.tbPerDay !== undefined;
    const hasMb = input.mbPerSecond !== undefined;
    if (hasTb === hasMb) {
        throw new RangeError(hasTb ? `give only one of ${name("tbPerDay")} or ${name("mbPerSecond")}, got both` : `give the throughput as ${name("tbPerDay")} (TB per day) or ${name("mbPerSecond")} (MB per second), got neither`);
    }
    const averageBytesPerSecond = hasTb ? (positive("tbPerDay", input.tbPerDay, name) * 1e12) / 86400 : positive("mbPerSecond", input.mbPerSecond, name) * 1e6;
    const averageRecordBytes = intInRange("averageRecordBytes", input.averageRecordBytes ?? 2048, 1, 1024 * 1024, name);
    const peakFactor = positive("peakFactor", input.peakFactor ?? 2, name);
    if (peakFactor < 1) throw new RangeError(`${name("peakFactor")} must be at least 1 (peak over average), got ${peakFactor}`);
    const compressionRatio = positive("compressionRatio", input.compressionRatio ?? 3, name);
    if (compressionRatio < 1) {
        throw new RangeError(`${name("compressionRatio")} must be at least 1 (uncompressed / compressed size), got ${compressionRatio}`);
    }
    const partitionKeyBytes = intInRange("partitionKeyBytes", input.partitionKeyBytes ?? 16, 1, 1024, name);
    const aggregateBytes = intInRange("aggregateBytes", input.aggregateBytes ?? 51200, 1024, 1024 * 1024, name);
    const targetUtilization = positive("targetUtilization", input.targetUtilization ?? 0.7, name);
    if (targetUtilization > 1) throw new RangeError(`${name("targetUtilization")} must be in (0, 1], got ${targetUtilization}`);
    const retentionHours = intInRange("retentionHours", input.retentionHours ?? 24, 24, 8760, name);
    const readers = intInRange("readers", input.readers ?? 2, 0, 20, name);
    return {
        averageBytesPerSecond,
        averageRecordBytes,
        peakFactor,
        compressionRatio,
        partitionKeyBytes,
        aggregateBytes,
        targetUtilization,
        retentionHours,
        readers,
    };
}

// ---------------------------------------------------------------- sizing

export interface ScenarioCost {
    readonly monthlyUsd: number;
    /** Line items: label -> USD per month. */
    readonly items: readonly { readonly label: string; readonly usd: number }[];
}

export interface CapacityScenario {
    readonly name: string;
    readonly aggregated: boolean;
    readonly compressed: boolean;
    /** Kinesis records per second written (average). */
    readonly kinesisRecordsPerSecond: number;
    /** Bytes per second written, counting payload, keys and aggregate overhead (average). */
    readonly kinesisBytesPerSecond: number;
    readonly peakKinesisRecordsPerSecond: number;
    readonly peakKinesisBytesPerSecond: number;
    /** Shards needed so peak bytes stay under targetUtilization x 1 MiB/s per shard. */
    readonly shardsByBytes: number;
    /** Shards needed so peak records stay under targetUtilization x 1,000/s per shard. */
    readonly shardsByRecords: number;
    readonly shards: number;
    readonly boundBy: "bytes" | "records";
    readonly provisioned: ScenarioCost;
    readonly onDemand: ScenarioCost;
    /** On-demand default write quota exceeded at peak (needs a quota increase). */
    readonly onDemandOverDefaultQuota: boolean;
}

export interface CapacityPlan {
    readonly input: ResolvedCapacityInput;
    readonly averageUserRecordsPerSecond: number;
    readonly scenarios: readonly CapacityScenario[];
    /** The aggregated + compressed scenario, the one the platform's producer runs. */
    readonly recommended: CapacityScenario;
}

function round2(n: number): number {
    return Math.round(n * 100) / 100;
}

function retentionItems(r: ResolvedCapacityInput, shards: number, storedBytesPerSecond: number, mode: "provisioned" | "onDemand") {
    const items: { label: string; usd: number }[] = [];
    const prices = KINESIS_PRICES_US_EAST_1;
    const extendedHours = Math.min(r.retentionHours, 168) - 24;
    const longTermHours = Math.max(0, r.retentionHours - 168);
    if (extendedHours > 0) {
        if (mode === "provisioned") {
            items.push({ label: "extended retention (24 h..7 d), shard hours", usd: shards * HOURS_PER_MONTH * prices.provisioned.extendedRetentionShardHour });
        } else {
            const gb = (storedBytesPerSecond * extendedHours * 3600) / GB;
            items.push({ label: "extended retention (24 h..7 d), GB-months", usd: gb * prices.onDemand.extendedRetentionGbMonth });
        }
    }
    if (longTermHours > 0) {
        const gb = (storedBytesPerSecond * longTermHours * 3600) / GB;
        const price = mode === "provisioned" ? prices.provisioned.longTermRetentionGbMonth : prices.onDemand.longTermRetentionGbMonth;
        items.push({ label: "long-term retention (beyond 7 d), GB-months", usd: gb * price });
    }
    return items;
}

function scenario(r: ResolvedCapacityInput, userRecordsPerSecond: number, aggregated: boolean, compressed: boolean): CapacityScenario {
    const payload = compressed ? r.averageRecordBytes / r.compressionRatio : r.averageRecordBytes;
    let recordsPerSecond: number;
    let bytesPerSecond: number;
    let putUnitsPerSecond: number;
    let onDemandBilledBytesPerSecond: number;
    if (!aggregated) {
        const recordBytes = payload + r.partitionKeyBytes;
        recordsPerSecond = userRecordsPerSecond;
        bytesPerSecond = userRecordsPerSecond * recordBytes;
        putUnitsPerSecond = recordsPerSecond * Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES);
        onDemandBilledBytesPerSecond = recordsPerSecond * Math.ceil(recordBytes / ON_DEMAND_RECORD_ROUNDING_BYTES) * ON_DEMAND_RECORD_ROUNDING_BYTES;
    } else {
        const perUser = payload + r.partitionKeyBytes + AGGREGATE_PER_RECORD_OVERHEAD_BYTES;
        const userBytes = userRecordsPerSecond * perUser;
        const aggregateOverhead = AGGREGATE_FIXED_OVERHEAD_BYTES + r.partitionKeyBytes;
        // aggregates are filled to aggregateBytes (a user record larger than that travels alone)
        const usersPerAggregate = Math.max(1, Math.floor((r.aggregateBytes - aggregateOverhead) / perUser));
        recordsPerSecond = userRecordsPerSecond / usersPerAggregate;
        bytesPerSecond = userBytes + recordsPerSecond * aggregateOverhead;
        const aggregateSize = bytesPerSecond / recordsPerSecond;
        putUnitsPerSecond = recordsPerSecond * Math.ceil(aggregateSize / PUT_PAYLOAD_UNIT_BYTES);
        onDemandBilledBytesPerSecond = recordsPerSecond * Math.ceil(aggregateSize / ON_DEMAND_RECORD_ROUNDING_BYTES) * ON_DEMAND_RECORD_ROUNDING_BYTES;
    }
    const peakRecords = recordsPerSecond * r.peakFactor;
    const peakBytes = bytesPerSecond * r.peakFactor;
    const shardsByBytes = Math.max(1, Math.ceil(peakBytes / (SHARD_WRITE_BYTES_PER_SECOND * r.targetUtilization)));
    const shardsByRecords = Math.max(1, Math.ceil(peakRecords / (SHARD_WRITE_RECORDS_PER_SECOND * r.targetUtilization)));
    const shards = Math.max(shardsByBytes, shardsByRecords);
    const p = KINESIS_PRICES_US_EAST_1;

    const provisionedItems = [
        { label: `shard hours (${shards} x ${HOURS_PER_MONTH} h x $${p.provisioned.shardHour})`, usd: shards * HOURS_PER_MONTH * p.provisioned.shardHour },
        {
            label: `PUT payload units (${round2((putUnitsPerSecond * SECONDS_PER_MONTH) / 1e6).toLocaleString("en-US")} M x $${p.provisioned.putPayloadUnitsPerMillion})`,
            usd: ((putUnitsPerSecond * SECONDS_PER_MONTH) / 1e6) * p.provisioned.putPayloadUnitsPerMillion,
        },
        ...retentionItems(r, shards, bytesPerSecond, "provisioned"),
    ];
    const ingestGb = (onDemandBilledBytesPerSecond * SECONDS_PER_MONTH) / GB;
    const onDemandItems = [
        { label: `stream hours (${HOURS_PER_MONTH} h x $${p.onDemand.streamHour})`, usd: HOURS_PER_MONTH * p.onDemand.streamHour },
        { label: `data in (${Math.round(ingestGb).toLocaleString("en-US")} GB x $${p.onDemand.dataInPerGb})`, usd: ingestGb * p.onDemand.dataInPerGb },
        {
            label: `data out (${r.readers} readers x ${Math.round(ingestGb).toLocaleString("en-US")} GB x $${p.onDemand.dataOutPerGb})`,
            usd: r.readers * ingestGb * p.onDemand.dataOutPerGb,
        },
        ...retentionItems(r, shards, bytesPerSecond, "onDemand"),
    ];
    const sum = (items: { usd: number }[]) => items.reduce((a, b) => a + b.usd, 0);
    return {
        name: `${aggregated ? "aggregated" : "plain"}, ${compressed ? "compressed" : "uncompressed"}`,
        aggregated,
        compressed,
        kinesisRecordsPerSecond: recordsPerSecond,
        kinesisBytesPerSecond: bytesPerSecond,
        peakKinesisRecordsPerSecond: peakRecords,
        peakKinesisBytesPerSecond: peakBytes,
        shardsByBytes,
        shardsByRecords,
        shards,
        boundBy: shardsByRecords > shardsByBytes ? "records" : "bytes",
        provisioned: { monthlyUsd: sum(provisionedItems), items: provisionedItems },
        onDemand: { monthlyUsd: sum(onDemandItems), items: onDemandItems },
        onDemandOverDefaultQuota: peakBytes > ON_DEMAND_DEFAULT_WRITE_BYTES_PER_SECOND || peakRecords > ON_DEMAND_DEFAULT_WRITE_RECORDS_PER_SECOND,
    };
}

/** Sizes the stream in the four plain/aggregated x uncompressed/compressed scenarios. */
export function planCapacity(input: CapacityInput, name: FieldName = inputField): CapacityPlan {
    const r = resolveCapacityInput(input, name);
    const userRecordsPerSecond = r.averageBytesPerSecond / r.averageRecordBytes;
    const scenarios = [scenario(r, userRecordsPerSecond, false, false), scenario(r, userRecordsPerSecond, false, true), scenario(r, userRecordsPerSecond, true, false), scenario(r, userRecordsPerSecond, true, true)];
    return { input: r, averageUserRecordsPerSecond: userRecordsPerSecond, scenarios, recommended: scenarios[3] };
}

/**
 * Shard count for stack config `shards: auto`: the aggregated + compressed
 * scenario for the declared throughput.
 */
export function recommendShards(input: CapacityInput): number {
    return planCapacity(input).recommended.shards;
}

// ---------------------------------------------------------------- resharding

export interface ReshardStep {
    /** 1-based call number. */
    readonly call: number;
    readonly fromShards: number;
    readonly toShards: number;
    /**
     * Earliest start, in hours after the first call, allowed by the
     * 10-calls-per-rolling-24-h quota (each call must also finish before the next).
     */
    readonly notBeforeHours: number;
}

export interface ReshardOptions {
    /** Highest shard count allowed (the account's shard quota). @default 10000 */
    readonly maxShards?: number;
    /** How errors name `current`, `target` and `maxShards`. @default inputField (the names in backticks) */
    readonly name?: FieldName;
}

/**
 * UpdateShardCount (UNIFORM_SCALING) calls from `current` to `target`: each
 * call at most doubles or at least halves (rounded up) the count, so the plan
 * takes the fewest calls. Empty when current equals target.
 */
export function planReshardSteps(current: number, target: number, opts: ReshardOptions = {}): ReshardStep[] {
    const name = opts.name ?? inputField;
    const maxShards = intInRange("maxShards", opts.maxShards ?? MAX_SHARDS_PER_STREAM, 1, 1_000_000, name);
    intInRange("current", current, 1, maxShards, name);
    intInRange("target", target, 1, maxShards, name);
    const steps: ReshardStep[] = [];
    let shards = current;
    while (shards !== target) {
        const next = target > shards ? Math.min(shards * 2, target) : Math.max(Math.ceil(shards / 2), target);
        const call = steps.length + 1;
        steps.push({ call, fromShards: shards, toShards: next, notBeforeHours: Math.floor((call - 1) / RESHARD_CALLS_PER_24_HOURS) * 24 });
        shards = next;
    }
    return steps;
}

// ---------------------------------------------------------------- report

function fmt(n: number, digits = 0): string {
    return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function usd(n: number): string {
    return "$" + fmt(n, 2);
}

function pad(s: string, n: number): string {
    return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function lpad(s: string, n: number): string {
    return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

/** A plan a reader can follow line by line (what `npm run capacity` prints). */
export function formatCapacityReport(plan: CapacityPlan, reshard?: { current: number; target?: number }, name: FieldName = inputField): string[] {
    const r = plan.input;
    const p = KINESIS_PRICES_US_EAST_1;
    const avgMb = r.averageBytesPerSecond / 1e6;
    const lines: string[] = [];
    lines.push("Kinesis Data Streams capacity plan");
    lines.push("");
    lines.push("Inputs");
    lines.push(`  average throughput   ${fmt((r.averageBytesPerSecond * 86400) / 1e12, 2)} TB/day = ${fmt(avgMb, 2)} MB/s = ${fmt(r.averageBytesPerSecond / MIB, 2)} MiB/s`);
    lines.push(`  average record       ${fmt(r.averageRecordBytes)} bytes -> ${fmt(plan.averageUserRecordsPerSecond)} user records/s`);
    lines.push(`  peak factor          x${r.peakFactor} -> peak ${fmt(avgMb * r.peakFactor, 2)} MB/s, ${fmt(plan.averageUserRecordsPerSecond * r.peakFactor)} user records/s`);
    lines.push(`  compression ratio    ${r.compressionRatio}:1 (uncompressed / compressed payload bytes, a model input; the producer's frames are measured by bench/frames.ts, frames.ratio200Sources, which the data-path plan uses)`);
    lines.push(`  partition key        ${r.partitionKeyBytes} bytes; aggregates filled to ${fmt(r.aggregateBytes)} bytes`);
    lines.push(`  retention            ${r.retentionHours} h; ${r.readers} reading pipeline(s)`);
    lines.push("");
    lines.push("Shard limits");
    lines.push(`  each shard takes 1 MiB/s (${fmt(SHARD_WRITE_BYTES_PER_SECOND)} bytes/s) and ${fmt(SHARD_WRITE_RECORDS_PER_SECOND)} records/s; planned at ${fmt(r.targetUtilization * 100)}% of both at peak`);
    lines.push(`  so one shard carries ${fmt((SHARD_WRITE_BYTES_PER_SECOND * r.targetUtilization) / 1e6, 3)} MB/s and ${fmt(SHARD_WRITE_RECORDS_PER_SECOND * r.targetUtilization)} records/s at peak`);
    lines.push("");
    lines.push("Scenarios (peak, written to Kinesis)");
    const header = `  ${pad("scenario", 26)}${lpad("MB/s", 10)}${lpad("records/s", 12)}${lpad("by bytes", 10)}${lpad("by records", 12)}${lpad("shards", 8)}${lpad("provisioned/mo", 16)}${lpad("on-demand/mo", 15)}`;
    lines.push(header);
    for (const s of plan.scenarios) {
        lines.push(
            `  ${pad(s.name, 26)}${lpad(fmt(s.peakKinesisBytesPerSecond / 1e6, 2), 10)}${lpad(fmt(s.peakKinesisRecordsPerSecond), 12)}${lpad(fmt(s.shardsByBytes), 10)}${lpad(
                fmt(s.shardsByRecords),
                12,
            )}${lpad(fmt(s.shards), 8)}${lpad(usd(s.provisioned.monthlyUsd), 16)}${lpad(usd(s.onDemand.monthlyUsd), 15)}`,
        );
    }
    lines.push("");
    const rec = plan.recommended;
    lines.push(`Recommended: ${rec.name} -> ${fmt(rec.shards)} shards (bound by ${rec.boundBy})`);
    lines.push(`  bytes:   ${fmt(rec.peakKinesisBytesPerSecond / 1e6, 2)} MB/s peak / ${fmt((SHARD_WRITE_BYTES_PER_SECOND * r.targetUtilization) / 1e6, 3)} MB/s per shard = ${fmt(rec.shardsByBytes)} shards`);
    lines.push(`  records: ${fmt(rec.peakKinesisRecordsPerSecond)} records/s peak / ${fmt(SHARD_WRITE_RECORDS_PER_SECOND * r.targetUtilization)} per shard = ${fmt(rec.shardsByRecords)} shards`);
    lines.push(`  provisioned: ${usd(rec.provisioned.monthlyUsd)} per month`);
    for (const item of rec.provisioned.items) lines.push(`    ${pad(item.label, 62)}${lpad(usd(item.usd), 14)}`);
    lines.push(`  on-demand:   ${usd(rec.onDemand.monthlyUsd)} per month`);
    for (const item of rec.onDemand.items) lines.push(`    ${pad(item.label, 62)}${lpad(usd(item.usd), 14)}`);
    if (rec.onDemandOverDefaultQuota) {
        lines.push(`  note: peak exceeds on-demand's default write quota (200 MiB/s, 200,000 records/s per stream): request an increase first`);
    }
    const cheaper = rec.provisioned.monthlyUsd <= rec.onDemand.monthlyUsd ? "provisioned" : "on-demand";
    lines.push(`  cheaper at this throughput: ${cheaper}`);
    const plain = plan.scenarios[0];
    lines.push(`  levers: aggregation + compression need ${fmt(rec.shards)} shards instead of ${fmt(plain.shards)} (plain, uncompressed), ${usd(plain.provisioned.monthlyUsd - rec.provisioned.monthlyUsd)} less per month provisioned`);
    if (reshard !== undefined) {
        const target = reshard.target ?? rec.shards;
        const steps = planReshardSteps(reshard.current, target, { name });
        lines.push("");
        lines.push(`Reshard plan: ${fmt(reshard.current)} -> ${fmt(target)} shards in ${steps.length} UpdateShardCount call(s) (each at most 2x up or half down; 10 per rolling 24 h)`);
        for (const s of steps) {
            lines.push(`  call ${s.call}: ${fmt(s.fromShards)} -> ${fmt(s.toShards)}${s.notBeforeHours > 0 ? ` (not before +${s.notBeforeHours} h)` : ""}`);
        }
    }
    lines.push("");
    lines.push(`Prices: ${p.source}, as of ${p.asOf}; month = ${HOURS_PER_MONTH} h; GB = 2^30 bytes; TB/MB in inputs are decimal.`);
    return lines;
}

// ---------------------------------------------------------------- the data path as it runs

/**
 * Prices of the rest of the data path, US East (N. Virginia), USD, from the
 * public price lists as last read in 2024-11 (no network access here to
 * re-check them in 2026-11: verify before budgeting).
 */
export const DATA_PATH_PRICES_US_EAST_1 = {
    asOf: "2024-11",
    sources: [
        "https://aws.amazon.com/kinesis/data-streams/pricing/",
        "https://aws.amazon.com/firehose/pricing/",
        "https://aws.amazon.com/lambda/pricing/",
        "https://aws.amazon.com/s3/pricing/",
        "https://aws.amazon.com/athena/pricing/",
        "https://aws.amazon.com/rds/aurora/pricing/",
    ],
    /** Enhanced fan-out: per consumer-shard hour, and per GB retrieved. */
    efoConsumerShardHour: 0.015,
    efoRetrievalPerGb: 0.013,
    /** Firehose ingestion from a Kinesis stream, per GB (first 500 TB/month), each record rounded up to 5 KB. */
    firehoseIngestionPerGb: 0.029,
    firehoseRecordRoundingBytes: 5 * 1024,
    /** Dynamic partitioning: per GB processed and per 1,000 S3 objects delivered. */
    dynamicPartitioningPerGb: 0.02,
    dynamicPartitioningPer1000Objects: 0.005,
    /** Lambda (x86): per GB-second and per million requests. */
    lambdaGbSecond: 0.0000166667,
    lambdaPerMillionRequests: 0.2,
    /** S3 per GB-month by tier, and per 1,000 PUTs (Standard). */
    s3StandardGbMonth: 0.023,
    s3StandardIaGbMonth: 0.0125,
    s3GlacierInstantGbMonth: 0.004,
    s3PutPer1000: 0.005,
    /** Athena per TB scanned. */
    athenaPerTb: 5,
    /** Aurora Serverless v2 per ACU-hour, Data API per million requests. */
    auroraAcuHour: 0.12,
    dataApiPerMillionRequests: 0.35,
} as const;

/**
 * Row writes per second one Aurora Serverless v2 ACU sustains: the fallback
 * ASSUMPTION when bench/results.json holds no server CPU measurement of the
 * writer (`writer.cpuSecondsPerEventByClass`). With it, the planner sizes
 * Aurora by measured server CPU per event instead.
 */
export const ASSUMED_ROW_WRITES_PER_ACU_SECOND = 500;

/**
 * vCPU per Aurora Serverless v2 ACU. AWS describes an ACU as about 2 GiB of
 * memory with corresponding CPU and networking; 256 ACUs (512 GiB) match the
 * largest memory-optimised Graviton instance of that memory, 64 vCPU and 512 GiB
 * (db.r6g/r7g.16xlarge, 8 GiB per vCPU), so one ACU is taken as 0.25 vCPU.
 * Also assumed: one such vCPU does the work of one core of the bench machine
 * (the measured CPU is native PostgreSQL 15 on x86-64).
 */
export const AURORA_VCPU_PER_ACU = 0.25;

/** Share of the writer's CPU the plan may use at peak (headroom for vacuum, checkpoints, the insights API's reads). */
export const AURORA_CPU_TARGET = 0.7;

/**
 * Shopping events (searches and offers) per booking at 10 TB/day: an
 * ASSUMPTION, stated in docs/capacity.md. Airline distribution quotes
 * look-to-book ratios from hundreds to one for direct channels to tens of
 * thousands to one for metasearch and OTA API traffic; 1,000 is on the heavy
 * booking side of that range (more state-changing events than most sources).
 */
export const DEFAULT_LOOK_TO_BOOK = 1000;

/** Cancellations per booking (an ASSUMPTION: airline cancellation and refund rates are of the order of 10-30 %). */
export const DEFAULT_CANCELLATIONS_PER_BOOKING = 0.25;

/** Largest Aurora Serverless v2 capacity of one instance (the writer takes every write). */
export const AURORA_SERVERLESS_V2_MAX_ACU = 256;

/** The processor's write path per event, measured by bench/writer.ts (bench/results.json `writer`). */
export interface WriterFigures {
    /** Rows inserted/updated/deleted per event with one processed_events row per event (before issue 22). */
    readonly rowWritesPerEventBefore: number;
    /** The same with the whole-batch transaction, record-part claims, identity digests and per-event identity for bookings/cancellations only. */
    readonly rowWritesPerEventAfter: number;
    /** Data API calls per event (after). */
    readonly dataApiCallsPerEvent: number;
    /** Transactions per event (after). */
    readonly transactionsPerEvent: number;
    /**
     * Server CPU on a native PostgreSQL (the bench's trace replay), seconds per event: the corpus's searches and
     * offers written alone (`shopping`), bookings and cancellations derived from the corpus mix (`state`), and
     * the per-row-per-event path before issue 22 over the corpus mix (`before`). Absent: the row-write assumption.
     */
    readonly serverCpu?: { readonly shopping: number; readonly state: number; readonly before: number; readonly corpusStateShare: number; readonly per1000RowWrites: number };
}

/** Figures the bench measured (bench/results.json) that the planner takes as defaults. */
export interface MeasuredFigures {
    /** The corpus's average event JSON size (bytes). */
    readonly averageEventBytes: number;
    /** Frame compression on the corpus spread over 200 sources at prod's per-task flush sizes. */
    readonly frameCompressionRatio: number;
    /** Hottest shard over the average shard (p99 per second) in the scale simulation. */
    readonly hotShardImbalance: number;
    /** Consumer decode -> validate -> aggregate, events/s on one core. */
    readonly consumerEventsPerSecond: number;
    /** The writer bench (absent from results without a `writer` section: the planner then assumes 1 row write per event before and `stateChangingShare` after). */
    readonly writer?: WriterFigures;
    /** Where the figures come from (commit and date of the run). */
    readonly from: string;
}

/** Picks the planner's defaults out of bench/results.json; throws naming the missing figure. */
export function measuredFigures(results: unknown): MeasuredFigures {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON, every figure checked by need()
    const r = results as Record<string, any>;
    const need = (path: string, v: unknown): number => {
        if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new RangeError(`bench/results.json has no positive number at \`${path}\` (received ${JSON.stringify(v)}); run \`npm run bench\``);
        return v;
    };
    return {
        averageEventBytes: need("stream.averageEventBytes", r?.stream?.averageEventBytes),
        frameCompressionRatio: need("frames.ratio200Sources", r?.frames?.ratio200Sources),
        hotShardImbalance: need("scale.hotShardImbalance", r?.scale?.hotShardImbalance),
        consumerEventsPerSecond: need("consumer.inMemoryEventsPerSecond", r?.consumer?.inMemoryEventsPerSecond),
        ...(r?.writer === undefined
            ? {}
            : {
                  writer: {
                      rowWritesPerEventBefore: need("writer.before.first.rowWritesPerEvent", r.writer?.before?.first?.rowWritesPerEvent),
                      rowWritesPerEventAfter: need("writer.after.first.rowWritesPerEvent", r.writer?.after?.first?.rowWritesPerEvent),
                      dataApiCallsPerEvent: need("writer.after.first.dataApiCallsPerEvent", r.writer?.after?.first?.dataApiCallsPerEvent),
                      transactionsPerEvent: need("writer.after.first.transactionsPerEvent", r.writer?.after?.first?.transactionsPerEvent),
                      ...(r.writer?.cpuSecondsPerEventByClass === undefined
                          ? {}
                          : {
                                serverCpu: {
                                    shopping: need("writer.cpuSecondsPerEventByClass.shopping", r.writer.cpuSecondsPerEventByClass.shopping),
                                    state: need("writer.cpuSecondsPerEventByClass.state", r.writer.cpuSecondsPerEventByClass.state),
                                    corpusStateShare: need("writer.cpuSecondsPerEventByClass.stateShare", r.writer.cpuSecondsPerEventByClass.stateShare),
                                    before: need("writer.before.serverCpu.cpuSecondsPerEvent", r.writer?.before?.serverCpu?.cpuSecondsPerEvent),
                                    per1000RowWrites: need("writer.after.serverCpu.cpuSecondsPer1000RowWrites", r.writer?.after?.serverCpu?.cpuSecondsPer1000RowWrites),
                                },
                            }),
                  },
              }),
        from: `bench/results.json (${String(r?.mode)} run, commit ${String(r?.machine?.commit)}, ${String(r?.generatedAt)})`,
    };
}

export interface DataPathInput {
    /** Average event JSON ingested, TB (10^12 bytes) per day. Give this or `mbPerSecond`. */
    readonly tbPerDay?: number;
    /** Average event JSON ingested, MB (10^6 bytes) per second. */
    readonly mbPerSecond?: number;
    /** Measured defaults (bench/results.json through `measuredFigures`). */
    readonly measured: MeasuredFigures;
    /** @default measured.averageEventBytes */
    readonly averageEventBytes?: number;
    /** @default measured.frameCompressionRatio */
    readonly frameCompressionRatio?: number;
    /** @default measured.hotShardImbalance */
    readonly hotShardImbalance?: number;
    /** Peak over average. @default 2 */
    readonly peakFactor?: number;
    /** Share of each shard's limits the hottest shard may use at peak. @default 0.7 */
    readonly targetUtilization?: number;
    /** Ingestion tasks at peak. @default 40 */
    readonly tasks?: number;
    /** Producer linger (ms): each task flushes at least this often at load. @default 20 */
    readonly lingerMs?: number;
    /** Producer `maxAggregateBytes`. @default 65536 */
    readonly aggregateBytes?: number;
    /** @default 24 */
    readonly retentionHours?: number;
    /** Enhanced fan-out consumers. @default 1 (the real-time processor) */
    readonly efoConsumers?: number;
    /** Shopping events (searches, offers) per booking: the event mix's stated assumption. @default DEFAULT_LOOK_TO_BOOK (1,000) */
    readonly lookToBook?: number;
    /** Cancellations per booking. @default DEFAULT_CANCELLATIONS_PER_BOOKING (0.25) */
    readonly cancellationsPerBooking?: number;
    /** Share of events that change state (bookings, cancellations). @default from `lookToBook` and `cancellationsPerBooking` */
    readonly stateChangingShare?: number;
    /** Lake days Athena scans per day for the ponds (dataset runs x share of the lake each reads). @default 1.5 */
    readonly athenaLakeDaysScannedPerDay?: number;
    /** Days the lake keeps objects in Standard, then Standard-IA, then Glacier Instant Retrieval up to `lakeRetentionDays`. @default 30, 90, 365 */
    readonly lakeStandardDays?: number;
    readonly lakeIaDays?: number;
    readonly lakeRetentionDays?: number;
}

export interface DataPathLine {
    readonly area: string;
    readonly label: string;
    readonly usd: number;
}

export interface DataPathPlan {
    readonly inputs: Required<Omit<DataPathInput, "tbPerDay" | "mbPerSecond" | "measured">> & { readonly averageBytesPerSecond: number; readonly from: string };
    readonly eventsPerSecond: number;
    readonly peakEventsPerSecond: number;
    /** Per task per flush at peak. */
    readonly flushEventsPerTask: number;
    readonly flushCompressedBytesPerTask: number;
    readonly aggregatesPerFlush: number;
    /** Stream-wide at peak. */
    readonly peakRecordsPerSecond: number;
    readonly peakBytesPerSecond: number;
    readonly averageAggregateBytes: number;
    readonly shardsByBytes: number;
    readonly shardsByRecords: number;
    readonly shards: number;
    readonly boundBy: "bytes" | "records";
    /** The hottest shard at peak on `shards` (average x imbalance), as shares of the limits. */
    readonly hottestShardBytesShare: number;
    readonly hottestShardRecordsShare: number;
    /** Aurora ACUs at peak: per-event identity for every event, and for state-changing events only. */
    readonly auroraAcusAllEvents: number;
    readonly auroraAcusStateChangingOnly: number;
    /** Row writes per event behind those ACUs (measured by bench/writer.ts when `measured.writer` is given). */
    readonly auroraRowWritesPerEvent: { readonly before: number; readonly after: number; readonly measured: boolean };
    /** Data API calls/s at peak with the issue-22 writer (measured calls per event), when measured. */
    readonly peakDataApiCallsPerSecond?: number;
    /** Whether the after-figure fits one Aurora Serverless v2 writer (<= 256 ACU). */
    readonly auroraFitsOneWriter: boolean;
    /** The writer's server CPU at peak (vCPU) behind the ACUs, when measured (bench writer, native PostgreSQL). */
    readonly auroraCpu?: { readonly vcpuAtPeak: number; readonly secondsPerEvent: number; readonly beforeVcpuAtPeak: number };
    readonly lines: readonly DataPathLine[];
    readonly monthlyUsd: number;
}

/**
 * Sizes and prices the data path as the platform runs it: a fleet of `tasks`
 * producers, each flushing every `lingerMs`, framing and compressing
 * (measured ratio) and packing frames into aggregates of `aggregateBytes`
 * spread over the shards, so records/s = tasks x flushes/s x aggregates per
 * flush. The hottest shard is the average times the measured imbalance.
 */
export function planDataPath(input: DataPathInput, name: FieldName = inputField): DataPathPlan {
    const hasTb = input.tbPerDay !== undefined;
    if (hasTb === (input.mbPerSecond !== undefined)) {
        throw new RangeError(hasTb ? `give only one of ${name("tbPerDay")} or ${name("mbPerSecond")}, got both` : `give the throughput as ${name("tbPerDay")} (TB per day) or ${name("mbPerSecond")} (MB per second), got neither`);
    }
    const m = input.measured;
    const averageBytesPerSecond = hasTb ? (positive("tbPerDay", input.tbPerDay, name) * 1e12) / 86400 : positive("mbPerSecond", input.mbPerSecond, name) * 1e6;
    const averageEventBytes = positive("averageEventBytes", input.averageEventBytes ?? m.averageEventBytes, name);
    const frameCompressionRatio = positive("frameCompressionRatio", input.frameCompressionRatio ?? m.frameCompressionRatio, name);
    if (frameCompressionRatio < 1) throw new RangeError(`${name("frameCompressionRatio")} must be at least 1 (uncompressed / compressed size), got ${frameCompressionRatio}`);
    const hotShardImbalance = positive("hotShardImbalance", input.hotShardImbalance ?? m.hotShardImbalance, name);
    if (hotShardImbalance < 1) throw new RangeError(`${name("hotShardImbalance")} must be at least 1 (hottest over average shard), got ${hotShardImbalance}`);
    const peakFactor = positive("peakFactor", input.peakFactor ?? 2, name);
    if (peakFactor < 1) throw new RangeError(`${name("peakFactor")} must be at least 1 (peak over average), got ${peakFactor}`);
    const targetUtilization = positive("targetUtilization", input.targetUtilization ?? 0.7, name);
    if (targetUtilization > 1) throw new RangeError(`${name("targetUtilization")} must be in (0, 1], got ${targetUtilization}`);
    const tasks = intInRange("tasks", input.tasks ?? 40, 1, 10000, name);
    const lingerMs = intInRange("lingerMs", input.lingerMs ?? 20, 1, 50, name);
    const aggregateBytes = intInRange("aggregateBytes", input.aggregateBytes ?? 65536, 1024, 1024 * 1024, name);
    const retentionHours = intInRange("retentionHours", input.retentionHours ?? 24, 24, 8760, name);
    const efoConsumers = intInRange("efoConsumers", input.efoConsumers ?? 1, 0, 20, name);
    const lookToBook = positive("lookToBook", input.lookToBook ?? DEFAULT_LOOK_TO_BOOK, name);
    const cancellationsPerBooking = input.cancellationsPerBooking ?? DEFAULT_CANCELLATIONS_PER_BOOKING;
    if (!isFiniteNumber(cancellationsPerBooking) || cancellationsPerBooking < 0 || cancellationsPerBooking > 1) {
        throw new RangeError(`${name("cancellationsPerBooking")} must be a number from 0 to 1, got ${JSON.stringify(cancellationsPerBooking)}`);
    }
    const stateChangingShare = positive("stateChangingShare", input.stateChangingShare ?? (1 + cancellationsPerBooking) / (lookToBook + 1 + cancellationsPerBooking), name);
    if (stateChangingShare >= 1) throw new RangeError(`${name("stateChangingShare")} must be below 1, got ${stateChangingShare}`);
    const athenaLakeDaysScannedPerDay = input.athenaLakeDaysScannedPerDay ?? 1.5;
    if (!isFiniteNumber(athenaLakeDaysScannedPerDay) || athenaLakeDaysScannedPerDay < 0) throw new RangeError(`${name("athenaLakeDaysScannedPerDay")} must be a number >= 0, got ${JSON.stringify(athenaLakeDaysScannedPerDay)}`);
    const lakeStandardDays = intInRange("lakeStandardDays", input.lakeStandardDays ?? 30, 1, 3650, name);
    const lakeIaDays = intInRange("lakeIaDays", input.lakeIaDays ?? 90, lakeStandardDays, 3650, name);
    const lakeRetentionDays = intInRange("lakeRetentionDays", input.lakeRetentionDays ?? 365, lakeIaDays, 3650, name);

    const eventsPerSecond = averageBytesPerSecond / averageEventBytes;
    const peakEventsPerSecond = eventsPerSecond * peakFactor;
    const flushesPerSecond = tasks * (1000 / lingerMs);
    const flushEventsPerTask = peakEventsPerSecond / flushesPerSecond;
    const flushCompressedBytesPerTask = (flushEventsPerTask * averageEventBytes) / frameCompressionRatio;
    // 4 event types -> up to 4 frames per flush (one per type and hour), each with a small header; aggregates filled by bytes.
    const frameOverhead = 4 * (12 + 2 * 16 + 8);
    const aggregatesPerFlush = Math.max(1, Math.ceil((flushCompressedBytesPerTask + frameOverhead) / (aggregateBytes - 128)));
    const peakRecordsPerSecond = flushesPerSecond * aggregatesPerFlush;
    const peakBytesPerSecond = flushesPerSecond * (flushCompressedBytesPerTask + frameOverhead + aggregatesPerFlush * (AGGREGATE_FIXED_OVERHEAD_BYTES + 2 * 39 + 24));
    const averageAggregateBytes = peakBytesPerSecond / peakRecordsPerSecond;
    const shardsByBytes = Math.max(1, Math.ceil((peakBytesPerSecond * hotShardImbalance) / (SHARD_WRITE_BYTES_PER_SECOND * targetUtilization)));
    const shardsByRecords = Math.max(1, Math.ceil((peakRecordsPerSecond * hotShardImbalance) / (SHARD_WRITE_RECORDS_PER_SECOND * targetUtilization)));
    const shards = Math.max(shardsByBytes, shardsByRecords);

    // Row writes per event: measured by the writer bench when present, else 1 (a row per event) and the state-changing share.
    const w = m.writer;
    const rowWritesBefore = w ? w.rowWritesPerEventBefore : 1;
    const rowWritesAfter = w ? w.rowWritesPerEventAfter : stateChangingShare;
    const halfAcus = (acus: number) => Math.max(0.5, Math.ceil(acus * 2) / 2);
    const acusFor = (writesPerEvent: number) => halfAcus((peakEventsPerSecond * writesPerEvent) / ASSUMED_ROW_WRITES_PER_ACU_SECOND);
    // Measured server CPU per event, weighted by the stated event mix (not the bench corpus's mix).
    const cpu = w?.serverCpu;
    const cpuPerEvent = cpu ? (1 - stateChangingShare) * cpu.shopping + stateChangingShare * cpu.state : undefined;
    const acusForCpu = (secondsPerEvent: number) => halfAcus((peakEventsPerSecond * secondsPerEvent) / AURORA_VCPU_PER_ACU / AURORA_CPU_TARGET);
    const auroraAcusAllEvents = cpu ? acusForCpu(cpu.before) : acusFor(rowWritesBefore);
    const auroraAcusStateChangingOnly = cpu ? acusForCpu(cpuPerEvent!) : acusFor(rowWritesAfter);

    // ---- monthly cost at AVERAGE traffic
    const P = DATA_PATH_PRICES_US_EAST_1;
    const K = KINESIS_PRICES_US_EAST_1.provisioned;
    const avgRecordsPerSecond = peakRecordsPerSecond / peakFactor;
    const avgStreamBytesPerSecond = peakBytesPerSecond / peakFactor;
    const monthSeconds = SECONDS_PER_MONTH;
    const streamGbMonth = (avgStreamBytesPerSecond * monthSeconds) / GB;
    const lines: DataPathLine[] = [];
    const add = (area: string, label: string, usd: number) => lines.push({ area, label, usd });
    add("stream", `shard hours (${shards} x ${HOURS_PER_MONTH} h x $${K.shardHour})`, shards * HOURS_PER_MONTH * K.shardHour);
    const putUnits = avgRecordsPerSecond * Math.ceil(averageAggregateBytes / PUT_PAYLOAD_UNIT_BYTES) * monthSeconds;
    add("stream", `PUT payload units (${fmt(putUnits / 1e6)} M x $${K.putPayloadUnitsPerMillion})`, (putUnits / 1e6) * K.putPayloadUnitsPerMillion);
    if (retentionHours > 24) add("stream", `extended retention (${shards} shards x ${HOURS_PER_MONTH} h x $${K.extendedRetentionShardHour})`, shards * HOURS_PER_MONTH * K.extendedRetentionShardHour);
    if (efoConsumers > 0) {
        add("stream", `enhanced fan-out consumer-shard hours (${efoConsumers} x ${shards} x ${HOURS_PER_MONTH} h x $${P.efoConsumerShardHour})`, efoConsumers * shards * HOURS_PER_MONTH * P.efoConsumerShardHour);
        add("stream", `enhanced fan-out retrieval (${efoConsumers} x ${fmt(streamGbMonth)} GB x $${P.efoRetrievalPerGb})`, efoConsumers * streamGbMonth * P.efoRetrievalPerGb);
    }
    const firehoseBilledGb = (avgRecordsPerSecond * Math.ceil(averageAggregateBytes / P.firehoseRecordRoundingBytes) * P.firehoseRecordRoundingBytes * monthSeconds) / GB;
    add("lake delivery", `Firehose ingestion (${fmt(firehoseBilledGb)} GB, records rounded to 5 KB, x $${P.firehoseIngestionPerGb})`, firehoseBilledGb * P.firehoseIngestionPerGb);
    const jsonGbMonth = (averageBytesPerSecond * monthSeconds) / GB;
    add("lake delivery", `dynamic partitioning (${fmt(jsonGbMonth)} GB of JSON lines x $${P.dynamicPartitioningPerGb})`, jsonGbMonth * P.dynamicPartitioningPerGb);
    // Objects: one per partition (4 types x the current hour) per 128 MiB or 300 s buffer.
    const objectsPerMonth = Math.max((4 * monthSeconds) / 300, (averageBytesPerSecond * monthSeconds) / (128 * MIB));
    add("lake delivery", `dynamic partitioning S3 objects (${fmt(objectsPerMonth)} x $${P.dynamicPartitioningPer1000Objects}/1,000)`, (objectsPerMonth / 1000) * P.dynamicPartitioningPer1000Objects);
    // Transform Lambda: one invocation per 0.2 MB buffer, 1 GB memory, the consumer's measured decode+validate rate.
    const transformInvocations = (avgStreamBytesPerSecond * monthSeconds) / 0.2e6;
    const transformGbSeconds = (eventsPerSecond * monthSeconds) / m.consumerEventsPerSecond;
    add("lake delivery", `transform Lambda (${fmt(transformInvocations / 1e6, 1)} M requests, ${fmt(transformGbSeconds)} GB-s at 1 GB)`, (transformInvocations / 1e6) * P.lambdaPerMillionRequests + transformGbSeconds * P.lambdaGbSecond);
    // Consumer Lambda: one batch per shard per second (batching window 1 s), CPU at the measured rate (database time not included).
    const consumerInvocations = shards * monthSeconds;
    const consumerGbSeconds = (eventsPerSecond * monthSeconds) / m.consumerEventsPerSecond;
    add("real time", `consumer Lambda (${fmt(consumerInvocations / 1e6, 1)} M requests, ${fmt(consumerGbSeconds)} GB-s at 1 GB, CPU only)`, (consumerInvocations / 1e6) * P.lambdaPerMillionRequests + consumerGbSeconds * P.lambdaGbSecond);
    const avgAcus = Math.max(0.5, auroraAcusStateChangingOnly / peakFactor);
    add(
        "real time",
        `Aurora Serverless v2 (${fmt(avgAcus, 1)} ACU average x ${HOURS_PER_MONTH} h x $${P.auroraAcuHour}; ${cpu ? "measured server CPU per event" : w ? "measured row writes per event" : "per-event identity for state-changing events only"})`,
        avgAcus * HOURS_PER_MONTH * P.auroraAcuHour,
    );
    if (w) {
        const calls = (w.dataApiCallsPerEvent * eventsPerSecond * monthSeconds) / 1e6;
        add("real time", `Data API (${fmt(calls, 1)} M requests: ${fmt(w.dataApiCallsPerEvent, 4)} per event, measured, x $${P.dataApiPerMillionRequests})`, calls * P.dataApiPerMillionRequests);
    } else {
        add("real time", `Data API (${fmt(consumerInvocations / 1e6, 1)} M transactions x $${P.dataApiPerMillionRequests})`, (consumerInvocations / 1e6) * P.dataApiPerMillionRequests);
    }
    // S3: the lake is gzip JSON lines, about the frame ratio smaller than the JSON.
    const lakeGbPerDay = (averageBytesPerSecond * 86400) / frameCompressionRatio / GB;
    add("lake storage", `S3 Standard (${lakeStandardDays} d x ${fmt(lakeGbPerDay)} GB/day x $${P.s3StandardGbMonth})`, lakeStandardDays * lakeGbPerDay * P.s3StandardGbMonth);
    add("lake storage", `S3 Standard-IA (${lakeIaDays - lakeStandardDays} d x $${P.s3StandardIaGbMonth})`, (lakeIaDays - lakeStandardDays) * lakeGbPerDay * P.s3StandardIaGbMonth);
    add("lake storage", `S3 Glacier Instant Retrieval (${lakeRetentionDays - lakeIaDays} d x $${P.s3GlacierInstantGbMonth})`, (lakeRetentionDays - lakeIaDays) * lakeGbPerDay * P.s3GlacierInstantGbMonth);
    const athenaTb = (lakeGbPerDay * athenaLakeDaysScannedPerDay * 30.4 * GB) / 1e12;
    add("ponds", `Athena scans (${fmt(athenaTb, 1)} TB/month x $${P.athenaPerTb})`, athenaTb * P.athenaPerTb);
    const monthlyUsd = lines.reduce((n, l) => n + l.usd, 0);
    return {
        inputs: {
            averageBytesPerSecond,
            averageEventBytes,
            frameCompressionRatio,
            hotShardImbalance,
            peakFactor,
            targetUtilization,
            tasks,
            lingerMs,
            aggregateBytes,
            retentionHours,
            efoConsumers,
            lookToBook,
            cancellationsPerBooking,
            stateChangingShare,
            athenaLakeDaysScannedPerDay,
            lakeStandardDays,
            lakeIaDays,
            lakeRetentionDays,
            from: m.from,
        },
        eventsPerSecond,
        peakEventsPerSecond,
        flushEventsPerTask,
        flushCompressedBytesPerTask,
        aggregatesPerFlush,
        peakRecordsPerSecond,
        peakBytesPerSecond,
        averageAggregateBytes,
        shardsByBytes,
        shardsByRecords,
        shards,
        boundBy: shardsByRecords > shardsByBytes ? "records" : "bytes",
        hottestShardBytesShare: (peakBytesPerSecond * hotShardImbalance) / shards / SHARD_WRITE_BYTES_PER_SECOND,
        hottestShardRecordsShare: (peakRecordsPerSecond * hotShardImbalance) / shards / SHARD_WRITE_RECORDS_PER_SECOND,
        auroraAcusAllEvents,
        auroraAcusStateChangingOnly,
        auroraRowWritesPerEvent: { before: rowWritesBefore, after: rowWritesAfter, measured: w !== undefined },
        ...(w ? { peakDataApiCallsPerSecond: peakEventsPerSecond * w.dataApiCallsPerEvent } : {}),
        auroraFitsOneWriter: auroraAcusStateChangingOnly <= AURORA_SERVERLESS_V2_MAX_ACU,
        ...(cpu ? { auroraCpu: { vcpuAtPeak: peakEventsPerSecond * cpuPerEvent!, secondsPerEvent: cpuPerEvent!, beforeVcpuAtPeak: peakEventsPerSecond * cpu.before } } : {}),
        lines,
        monthlyUsd,
    };
}

/** What `npm run capacity` prints for the data path. */
export function formatDataPathReport(plan: DataPathPlan): string[] {
    const i = plan.inputs;
    const out: string[] = [];
    out.push("Data path plan (the producer fleet as it runs)");
    out.push("");
    out.push(`  throughput          ${fmt((i.averageBytesPerSecond * 86400) / 1e12, 2)} TB/day of event JSON = ${fmt(i.averageBytesPerSecond / 1e6, 2)} MB/s; peak x${i.peakFactor}`);
    out.push(`  events              ${fmt(i.averageEventBytes)} bytes average -> ${fmt(plan.eventsPerSecond)} events/s, ${fmt(plan.peakEventsPerSecond)} at peak`);
    out.push(`  fleet               ${i.tasks} tasks, ${i.lingerMs} ms linger -> ${fmt(plan.flushEventsPerTask)} events per task flush at peak`);
    out.push(`  frames              ${fmt(i.frameCompressionRatio, 2)}x -> ${fmt(plan.flushCompressedBytesPerTask)} bytes per flush, ${plan.aggregatesPerFlush} aggregate(s) of <= ${fmt(i.aggregateBytes)} bytes`);
    out.push(`  measured defaults   ${i.from}`);
    out.push("");
    out.push(`  peak stream         ${fmt(plan.peakBytesPerSecond / 1e6, 2)} MB/s, ${fmt(plan.peakRecordsPerSecond)} records/s (aggregates of ${fmt(plan.averageAggregateBytes)} bytes)`);
    out.push(`  hottest shard       average x ${fmt(i.hotShardImbalance, 3)} (measured imbalance), kept under ${fmt(i.targetUtilization * 100)}% of 1 MiB/s and 1,000 records/s`);
    out.push(`  shards              ${plan.shards} (by bytes ${plan.shardsByBytes}, by records ${plan.shardsByRecords}; bound by ${plan.boundBy})`);
    out.push(`  hottest shard share ${fmt(plan.hottestShardBytesShare * 100, 1)}% of bytes, ${fmt(plan.hottestShardRecordsShare * 100, 1)}% of records`);
    const rw = plan.auroraRowWritesPerEvent;
    const c = plan.auroraCpu;
    out.push(
        `  event mix           ${fmt(i.lookToBook)} shopping events per booking (look-to-book, assumed), ${fmt(i.cancellationsPerBooking, 2)} cancellations per booking -> ${fmt(i.stateChangingShare * 100, 3)}% bookings and cancellations`,
    );
    if (c) {
        out.push(
            `  Aurora at peak      ${fmt(plan.auroraAcusStateChangingOnly, 1)} ACU: ${fmt(plan.peakEventsPerSecond)} events/s x ${fmt(c.secondsPerEvent * 1e6, 1)} us server CPU/event (measured, native PostgreSQL, this mix) = ${fmt(c.vcpuAtPeak, 1)} vCPU, at ${AURORA_VCPU_PER_ACU} vCPU per ACU and ${fmt(AURORA_CPU_TARGET * 100)}% CPU; ${plan.auroraFitsOneWriter ? "fits" : "does NOT fit"} one ${AURORA_SERVERLESS_V2_MAX_ACU}-ACU writer`,
        );
        out.push(
            `  Aurora before       ${fmt(plan.auroraAcusAllEvents, 1)} ACU with a processed_events row per event and a transaction per chunk (${fmt((c.beforeVcpuAtPeak / plan.peakEventsPerSecond) * 1e6, 1)} us/event, corpus mix, measured)`,
        );
        out.push(`  Data API at peak    ${fmt(plan.peakDataApiCallsPerSecond ?? 0)} calls/s (measured calls per event, corpus mix)`);
    } else if (rw.measured) {
        out.push(
            `  Aurora at peak      ${fmt(plan.auroraAcusAllEvents, 1)} ACU with a processed_events row per event (${fmt(rw.before, 3)} row writes/event, measured); ${fmt(plan.auroraAcusStateChangingOnly, 1)} ACU with record claims, identity digests and per-event identity for bookings/cancellations only (${fmt(rw.after, 3)} row writes/event, measured); assumes ${ASSUMED_ROW_WRITES_PER_ACU_SECOND} row writes/s per ACU; ${plan.auroraFitsOneWriter ? "fits" : "does NOT fit"} one ${AURORA_SERVERLESS_V2_MAX_ACU}-ACU writer`,
        );
        out.push(`  Data API at peak    ${fmt(plan.peakDataApiCallsPerSecond ?? 0)} calls/s (measured calls per event)`);
    } else {
        out.push(
            `  Aurora at peak      ${fmt(plan.auroraAcusAllEvents, 1)} ACU with a row per event; ${fmt(plan.auroraAcusStateChangingOnly, 1)} ACU with per-event identity for bookings and cancellations only (assumes ${ASSUMED_ROW_WRITES_PER_ACU_SECOND} row writes/s per ACU)`,
        );
    }
    out.push("");
    out.push(`Monthly cost (average traffic): ${usd(plan.monthlyUsd)}`);
    for (const l of plan.lines) out.push(`  ${pad(l.area, 14)}${pad(l.label, 104)}${lpad(usd(l.usd), 14)}`);
    out.push("");
    out.push(`Prices as of ${DATA_PATH_PRICES_US_EAST_1.asOf}, us-east-1: ${DATA_PATH_PRICES_US_EAST_1.sources.join(", ")}`);
    return out;
}
