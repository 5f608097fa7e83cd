/**
 * `npm run capacity -- --tb-per-day 10 [options]`: sizes and prices the data
 * path as it runs (the producer fleet, measured frame ratio and event size
 * from bench/results.json), then the four Kinesis-only scenarios. The
 * arithmetic lives in functions/shared/capacity.ts; this file only parses
 * arguments and prints. Run with --help for the options.
 */
import * as fs from "fs";
import * as path from "path";
import { CapacityInput, DataPathInput, formatCapacityReport, formatDataPathReport, measuredFigures, planCapacity, planDataPath, type MeasuredFigures } from "../functions/shared/capacity";
import { defineCommand, parseCommand, runMain, usage, usageError } from "./lib/cli";

/** The bench's measured figures (bench/results.json), the planner's defaults. */
export function loadMeasured(file = path.resolve(__dirname, "..", "bench", "results.json")): MeasuredFigures {
    return measuredFigures(JSON.parse(fs.readFileSync(file, "utf8")));
}

const number = (value: string, description: string, dflt?: string) => ({ type: "string" as const, value, description, ...(dflt !== undefined ? { default: dflt } : {}) });

export const CAPACITY_COMMAND = defineCommand({
    name: "capacity",
    invocation: "npm run capacity --",
    synopsis: "(--tb-per-day N | --mb-per-second N) [options]",
    summary: "Sizes and prices the data path (give --tb-per-day or --mb-per-second), then the four Kinesis-only scenarios.",
    options: {
        "tb-per-day": number("N", "average ingest, TB (10^12 bytes) per day"),
        "mb-per-second": number("N", "average ingest, MB (10^6 bytes) per second"),
        "event-bytes": number("N", "average event JSON size", "measured, bench/results.json"),
        "frame-ratio": number("N", "frame compression ratio", "measured, 200 sources"),
        imbalance: number("N", "hottest over average shard", "measured by the scale simulation"),
        tasks: number("N", "ingestion tasks at peak", "40"),
        "linger-ms": number("N", "producer linger, 1..50", "20"),
        "look-to-book": number("N", "shopping events (searches, offers) per booking, the event mix for Aurora", "1000, assumed"),
        "cancellations-per-booking": number("N", "cancellations per booking, 0..1", "0.25, assumed"),
        "record-bytes": number("N", "Kinesis-only scenarios: user-record size", "the measured event size"),
        "peak-factor": number("N", "peak over average throughput", "2"),
        "compression-ratio": number("N", "Kinesis-only scenarios: compression ratio", "the measured frame ratio"),
        "partition-key-bytes": number("N", "average partition key size", "16"),
        "aggregate-bytes": number("N", "size producers fill KPL aggregates to", "51200"),
        "target-utilization": number("N", "share of shard limits to plan for at peak, (0, 1]", "0.7"),
        "retention-hours": number("N", "stream retention, 24..8760", "24"),
        readers: number("N", "pipelines reading the stream", "2"),
        "current-shards": number("N", "also plan UpdateShardCount calls from N shards"),
        "target-shards": number("N", "... to N shards", "the recommended count"),
        json: { type: "boolean", description: "print the plan as JSON" },
        "update-doc": { type: "boolean", description: "rewrite the generated 10 TB/day block of docs/capacity.md" },
    },
});

export const USAGE = usage(CAPACITY_COMMAND);

const NUMERIC: Record<Exclude<keyof typeof CAPACITY_COMMAND.options, "json" | "update-doc">, keyof CapacityInput | keyof DataPathInput | "currentShards" | "targetShards"> = {
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
    const parsed = parseCommand(CAPACITY_COMMAND, argv);
    if (parsed.help) return USAGE.split("\n");
    const values = parsed.values;
    if (values["update-doc"] === true) {
        const file = path.resolve(__dirname, "..", "docs", "capacity.md");
        fs.writeFileSync(file, withDocBlock(fs.readFileSync(file, "utf8"), measured));
        return [`updated ${path.relative(process.cwd(), file)}`];
    }
    const numbers: Record<string, number> = {};
    for (const [flag, key] of Object.entries(NUMERIC)) {
        const raw = values[flag as keyof typeof NUMERIC];
        if (raw === undefined) continue;
        const n = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(n)) usageError(`--${flag} must be a number, got ${JSON.stringify(raw)}`);
        numbers[key] = n;
    }
    const { currentShards, targetShards, averageEventBytes, frameCompressionRatio, hotShardImbalance, tasks, lingerMs, lookToBook, cancellationsPerBooking, ...input } = numbers;
    if (targetShards !== undefined && currentShards === undefined) {
        usageError("--target-shards needs --current-shards (the count to reshard from)");
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
        return [...formatDataPathReport(dataPath), "", ...formatCapacityReport(plan, currentShards !== undefined ? { current: currentShards, target: targetShards } : undefined)];
    } catch (e) {
        // name the CLI flag rather than the module argument
        const message = (e as Error).message.replace(/`(\w+)`/g, (_, key: string) => FLAG_OF[key] ?? `\`${key}\``);
        usageError(message);
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
    // runCapacity answers --help itself (the usage as lines); bad options → exit 2 with the usage.
    runMain(CAPACITY_COMMAND, () => {
        for (const line of runCapacity(process.argv.slice(2))) console.log(line);
    });
}
