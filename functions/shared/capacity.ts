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
  /** Uncompressed over compressed payload size, as measured (codec stats userBytes / payloadBytes). @default 3 */
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

function positive(name: string, value: unknown): number {
  if (!isFiniteNumber(value) || value <= 0) {
    throw new RangeError(`\`${name}\` must be a number greater than 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function intInRange(name: string, value: unknown, min: number, max: number): number {
  if (!isFiniteNumber(value) || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`\`${name}\` must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates the input and fills defaults; errors name the argument, the value and what is allowed. */
export function resolveCapacityInput(input: CapacityInput): ResolvedCapacityInput {
  const hasTb = input.tbPerDay !== undefined;
  const hasMb = input.mbPerSecond !== undefined;
  if (hasTb === hasMb) {
    throw new RangeError(
      hasTb
        ? "give only one of `tbPerDay` or `mbPerSecond`, got both"
        : "give the throughput as `tbPerDay` (TB per day) or `mbPerSecond` (MB per second), got neither",
    );
  }
  const averageBytesPerSecond = hasTb ? (positive("tbPerDay", input.tbPerDay) * 1e12) / 86400 : positive("mbPerSecond", input.mbPerSecond) * 1e6;
  const averageRecordBytes = intInRange("averageRecordBytes", input.averageRecordBytes ?? 2048, 1, 1024 * 1024);
  const peakFactor = positive("peakFactor", input.peakFactor ?? 2);
  if (peakFactor < 1) throw new RangeError(`\`peakFactor\` must be at least 1 (peak over average), got ${peakFactor}`);
  const compressionRatio = positive("compressionRatio", input.compressionRatio ?? 3);
  if (compressionRatio < 1) {
    throw new RangeError(`\`compressionRatio\` must be at least 1 (uncompressed / compressed size), got ${compressionRatio}`);
  }
  const partitionKeyBytes = intInRange("partitionKeyBytes", input.partitionKeyBytes ?? 16, 1, 1024);
  const aggregateBytes = intInRange("aggregateBytes", input.aggregateBytes ?? 51200, 1024, 1024 * 1024);
  const targetUtilization = positive("targetUtilization", input.targetUtilization ?? 0.7);
  if (targetUtilization > 1) throw new RangeError(`\`targetUtilization\` must be in (0, 1], got ${targetUtilization}`);
  const retentionHours = intInRange("retentionHours", input.retentionHours ?? 24, 24, 8760);
  const readers = intInRange("readers", input.readers ?? 2, 0, 20);
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
    onDemandOverDefaultQuota:
      peakBytes > ON_DEMAND_DEFAULT_WRITE_BYTES_PER_SECOND || peakRecords > ON_DEMAND_DEFAULT_WRITE_RECORDS_PER_SECOND,
  };
}

/** Sizes the stream in the four plain/aggregated x uncompressed/compressed scenarios. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const r = resolveCapacityInput(input);
  const userRecordsPerSecond = r.averageBytesPerSecond / r.averageRecordBytes;
  const scenarios = [
    scenario(r, userRecordsPerSecond, false, false),
    scenario(r, userRecordsPerSecond, false, true),
    scenario(r, userRecordsPerSecond, true, false),
    scenario(r, userRecordsPerSecond, true, true),
  ];
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
}

/**
 * UpdateShardCount (UNIFORM_SCALING) calls from `current` to `target`: each
 * call at most doubles or at least halves (rounded up) the count, so the plan
 * takes the fewest calls. Empty when current equals target.
 */
export function planReshardSteps(current: number, target: number, opts: ReshardOptions = {}): ReshardStep[] {
  const maxShards = intInRange("maxShards", opts.maxShards ?? MAX_SHARDS_PER_STREAM, 1, 1_000_000);
  intInRange("current", current, 1, maxShards);
  intInRange("target", target, 1, maxShards);
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
export function formatCapacityReport(plan: CapacityPlan, reshard?: { current: number; target?: number }): string[] {
  const r = plan.input;
  const p = KINESIS_PRICES_US_EAST_1;
  const avgMb = r.averageBytesPerSecond / 1e6;
  const lines: string[] = [];
  lines.push("Kinesis Data Streams capacity plan");
  lines.push("");
  lines.push("Inputs");
  lines.push(
    `  average throughput   ${fmt((r.averageBytesPerSecond * 86400) / 1e12, 2)} TB/day = ${fmt(avgMb, 2)} MB/s = ${fmt(r.averageBytesPerSecond / MIB, 2)} MiB/s`,
  );
  lines.push(`  average record       ${fmt(r.averageRecordBytes)} bytes -> ${fmt(plan.averageUserRecordsPerSecond)} user records/s`);
  lines.push(
    `  peak factor          x${r.peakFactor} -> peak ${fmt(avgMb * r.peakFactor, 2)} MB/s, ${fmt(plan.averageUserRecordsPerSecond * r.peakFactor)} user records/s`,
  );
  lines.push(`  compression ratio    ${r.compressionRatio}:1 (gzip per user record; measure with the codec's stats: userBytes / payloadBytes)`);
  lines.push(`  partition key        ${r.partitionKeyBytes} bytes; aggregates filled to ${fmt(r.aggregateBytes)} bytes`);
  lines.push(`  retention            ${r.retentionHours} h; ${r.readers} reading pipeline(s)`);
  lines.push("");
  lines.push("Shard limits");
  lines.push(
    `  each shard takes 1 MiB/s (${fmt(SHARD_WRITE_BYTES_PER_SECOND)} bytes/s) and ${fmt(SHARD_WRITE_RECORDS_PER_SECOND)} records/s; planned at ${fmt(r.targetUtilization * 100)}% of both at peak`,
  );
  lines.push(
    `  so one shard carries ${fmt((SHARD_WRITE_BYTES_PER_SECOND * r.targetUtilization) / 1e6, 3)} MB/s and ${fmt(SHARD_WRITE_RECORDS_PER_SECOND * r.targetUtilization)} records/s at peak`,
  );
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
  lines.push(
    `  bytes:   ${fmt(rec.peakKinesisBytesPerSecond / 1e6, 2)} MB/s peak / ${fmt((SHARD_WRITE_BYTES_PER_SECOND * r.targetUtilization) / 1e6, 3)} MB/s per shard = ${fmt(rec.shardsByBytes)} shards`,
  );
  lines.push(
    `  records: ${fmt(rec.peakKinesisRecordsPerSecond)} records/s peak / ${fmt(SHARD_WRITE_RECORDS_PER_SECOND * r.targetUtilization)} per shard = ${fmt(rec.shardsByRecords)} shards`,
  );
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
  lines.push(
    `  levers: aggregation + compression need ${fmt(rec.shards)} shards instead of ${fmt(plain.shards)} (plain, uncompressed), ${usd(plain.provisioned.monthlyUsd - rec.provisioned.monthlyUsd)} less per month provisioned`,
  );
  if (reshard !== undefined) {
    const target = reshard.target ?? rec.shards;
    const steps = planReshardSteps(reshard.current, target);
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
