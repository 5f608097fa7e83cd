/**
 * `npm run capacity -- --tb-per-day 10 [options]`: sizes and prices the data
 * path as it runs (the producer fleet, measured frame ratio and event size
 * from bench/results.json), then the four Kinesis-only scenarios. The
 * arithmetic lives in functions/shared/capacity.ts; this file only parses
 * arguments and prints. Run with --help for the options.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "node:util";
import { CapacityInput, DataPathInput, formatCapacityReport, formatDataPathReport, measuredFigures, planCapacity, planDataPath, type MeasuredFigures } from "../functions/shared/capacity";

/** The bench's measured figures (bench/results.json), the planner's defaults. */
export function loadMeasured(file = path.resolve(__dirname, "..", "bench", "results.json")): MeasuredFigures {
  return measuredFigures(JSON.parse(fs.readFileSync(file, "utf8")));
}

export const USAGE = `usage: npm run capacity -- (--tb-per-day N | --mb-per-second N) [options]

  --tb-per-day N           average ingest, TB (10^12 bytes) per day
  --mb-per-second N        average ingest, MB (10^6 bytes) per second
  --event-bytes N          average event JSON size (default: measured, bench/results.json)
  --frame-ratio N          frame compression ratio (default: measured, 200 sources)
  --imbalance N            hottest over average shard (default: measured by the scale simulation)
  --tasks N                ingestion tasks at peak (default 40)
  --linger-ms N            producer linger, 1..50 (default 20)
  --look-to-book N         shopping events (searches, offers) per booking, the event mix for Aurora (default 1000, assumed)
  --cancellations-per-booking N  0..1 (default 0.25, assumed)
  --record-bytes N         Kinesis-only scenarios: user-record size (default: the measured event size)
  --peak-factor N          peak over average throughput (default 2)
  --compression-ratio N    Kinesis-only scenarios: compression ratio (default: the measured frame ratio)
  --partition-key-bytes N  average partition key size (default 16)
  --aggregate-bytes N      size producers fill KPL aggregates to (default 51200)
  --target-utilization N   share of shard limits to plan for at peak, (0, 1] (default 0.7)
  --retention-hours N      stream retention, 24..8760 (default 24)
  --readers N              pipelines reading the stream (default 2)
  --current-shards N       also plan UpdateShardCount calls from N shards
  --target-shards N        ... to N shards (default: the recommended count)
  --json                   print the plan as JSON
  --update-doc             rewrite the generated 10 TB/day block of docs/capacity.md
  --help                   this text`;

const NUMERIC: Record<string, keyof CapacityInput | keyof DataPathInput | "currentShards" | "targetShards"> = {
  "tb-per-day": "tbPerDay",
  "mb-per-second": "mbPerSecond",
  "record-bytes": "averageRecordBytes",
  "peak-factor": "peakFactor",
  "compression-ratio": "compressionRatio",
  "partition-key-bytes": "partitionKeyBytes",
  "aggregate-bytes": "aggregateBytes",
  "event-bytes": "averageEventBytes",
  "frame-ratio": "frameCompressionRatio",
  imbalance: "hotShardImbalance",
  tasks: "tasks",
  "linger-ms": "lingerMs",
  "look-to-book": "lookToBook",
  "cancellations-per-booking": "cancellationsPerBooking",
  "target-utilization": "targetUtilization",
  "retention-hours": "retentionHours",
  readers: "readers",
  "current-shards": "currentShards",
  "target-shards": "targetShards",
};

/** Argument-name spelling used in errors: `--tb-per-day` rather than `tbPerDay`. */
const FLAG_OF: Record<string, string> = {
  ...Object.fromEntries(Object.entries(NUMERIC).map(([flag, key]) => [key, `--${flag}`])),
  current: "--current-shards",
  target: "--target-shards",
};

/** Parses argv and returns the report lines; throws Error with a message naming the bad argument. */
export function runCapacity(argv: readonly string[], measured: MeasuredFigures = loadMeasured()): string[] {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(NUMERIC).map((k) => [k, { type: "string" as const }])),
        json: { type: "boolean" },
        "update-doc": { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n\n${USAGE}`, { cause: e });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return USAGE.split("\n");
  if (values["update-doc"] === true) {
    const file = path.resolve(__dirname, "..", "docs", "capacity.md");
    fs.writeFileSync(file, withDocBlock(fs.readFileSync(file, "utf8"), measured));
    return [`updated ${path.relative(process.cwd(), file)}`];
  }
  const numbers: Record<string, number> = {};
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) {
      throw new Error(`--${flag} must be a number, got ${JSON.stringify(raw)}`);
    }
    numbers[key] = n;
  }
  const { currentShards, targetShards, averageEventBytes, frameCompressionRatio, hotShardImbalance, tasks, lingerMs, lookToBook, cancellationsPerBooking, ...input } = numbers;
  if (targetShards !== undefined && currentShards === undefined) {
    throw new Error("--target-shards needs --current-shards (the count to reshard from)");
  }
  try {
    const dataPath = planDataPath({
      ...(input.tbPerDay !== undefined ? { tbPerDay: input.tbPerDay } : {}),
      ...(input.mbPerSecond !== undefined ? { mbPerSecond: input.mbPerSecond } : {}),
      ...(input.peakFactor !== undefined ? { peakFactor: input.peakFactor } : {}),
      ...(input.targetUtilization !== undefined ? { targetUtilization: input.targetUtilization } : {}),
      ...(input.retentionHours !== undefined ? { retentionHours: input.retentionHours } : {}),
      ...(input.aggregateBytes !== undefined ? { aggregateBytes: input.aggregateBytes } : {}),
      ...(averageEventBytes !== undefined ? { averageEventBytes } : {}),
      ...(frameCompressionRatio !== undefined ? { frameCompressionRatio } : {}),
      ...(hotShardImbalance !== undefined ? { hotShardImbalance } : {}),
      ...(tasks !== undefined ? { tasks } : {}),
      ...(lingerMs !== undefined ? { lingerMs } : {}),
      ...(lookToBook !== undefined ? { lookToBook } : {}),
      ...(cancellationsPerBooking !== undefined ? { cancellationsPerBooking } : {}),
      measured,
    });
    const kinesisInput = {
      averageRecordBytes: Math.round(averageEventBytes ?? measured.averageEventBytes),
      compressionRatio: frameCompressionRatio ?? measured.frameCompressionRatio,
      ...input,
    } as CapacityInput;
    const plan = planCapacity(kinesisInput);
    if (values.json === true) return JSON.stringify({ dataPath, kinesis: plan }, null, 2).split("\n");
    return [
      ...formatDataPathReport(dataPath),
      "",
      ...formatCapacityReport(plan, currentShards !== undefined ? { current: currentShards, target: targetShards } : undefined),
    ];
  } catch (e) {
    // name the CLI flag rather than the module argument
    const message = (e as Error).message.replace(/`(\w+)`/g, (_, key: string) => FLAG_OF[key] ?? `\`${key}\``);
    throw new Error(message, { cause: e });
  }
}

export const DOC_START = "<!-- capacity:start (generated by npm run capacity -- --update-doc) -->";
export const DOC_END = "<!-- capacity:end -->";

/** The generated block of docs/capacity.md: the 10 TB/day data-path plan with the measured figures. */
export function docBlock(measured: MeasuredFigures): string {
  const plan = planDataPath({ tbPerDay: 10, retentionHours: 48, measured });
  return [DOC_START, "```", "$ npm run capacity -- --tb-per-day 10 --retention-hours 48", ...formatDataPathReport(plan), "```", DOC_END].join("\n");
}

/** `doc` with its generated block replaced (the markers must be there). */
export function withDocBlock(doc: string, measured: MeasuredFigures): string {
  const a = doc.indexOf(DOC_START);
  const b = doc.indexOf(DOC_END);
  if (a < 0 || b < a) throw new Error(`docs/capacity.md has no ${DOC_START} ... ${DOC_END} block`);
  return doc.slice(0, a) + docBlock(measured) + doc.slice(b + DOC_END.length);
}

if (require.main === module) {
  try {
    for (const line of runCapacity(process.argv.slice(2))) console.log(line);
  } catch (e) {
    console.error(`capacity: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
