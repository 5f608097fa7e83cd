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
import { defineCommand, fieldNames, numberOption, parseCommand, runMain, usage, usageError } from "./lib/cli";
import { withBlock } from "./lib/markdown";

/** The bench's measured figures (bench/results.json), the planner's defaults. */
export function loadMeasured(file = path.resolve(__dirname, "..", "bench", "results.json")): MeasuredFigures {
    return measuredFigures(JSON.parse(fs.readFileSync(file, "utf8")));
}

/** A numeric option filling the planner's input field `field` (its errors name the option: `fieldNames`). */
const number = (field: PlannerField, description: string, dflt?: string) => ({ type: "string" as const, value: "N", field, description, ...(dflt !== undefined ? { default: dflt } : {}) });

/** The planners' input fields the options fill (`current`, `target`: planReshardSteps's arguments). */
type PlannerField = keyof CapacityInput | keyof DataPathInput | "current" | "target";

export const CAPACITY_COMMAND = defineCommand({
    name: "capacity",
    invocation: "npm run capacity --",
    synopsis: "(--tb-per-day N | --mb-per-second N) [options]",
    summary: "Sizes and prices the data path (give --tb-per-day or --mb-per-second), then the four Kinesis-only scenarios.",
    options: {
        "tb-per-day": number("tbPerDay", "average ingest, TB (10^12 bytes) per day"),
        "mb-per-second": number("mbPerSecond", "average ingest, MB (10^6 bytes) per second"),
        "event-bytes": number("averageEventBytes", "average event JSON size", "measured, bench/results.json"),
        "frame-ratio": number("frameCompressionRatio", "frame compression ratio", "measured, 200 sources"),
        imbalance: number("hotShardImbalance", "hottest over average shard", "measured by the scale simulation"),
        tasks: number("tasks", "ingestion tasks at peak", "40"),
        "linger-ms": number("lingerMs", "producer linger, 1..50", "20"),
        "look-to-book": number("lookToBook", "shopping events (searches, offers) per booking, the event mix for Aurora", "1000, assumed"),
        "cancellations-per-booking": number("cancellationsPerBooking", "cancellations per booking, 0..1", "0.25, assumed"),
        "record-bytes": number("averageRecordBytes", "Kinesis-only scenarios: user-record size", "the measured event size"),
        "peak-factor": number("peakFactor", "peak over average throughput", "2"),
        "compression-ratio": number("compressionRatio", "Kinesis-only scenarios: compression ratio", "the measured frame ratio"),
        "partition-key-bytes": number("partitionKeyBytes", "average partition key size", "16"),
        "aggregate-bytes": number("aggregateBytes", "size producers fill KPL aggregates to", "51200"),
        "target-utilization": number("targetUtilization", "share of shard limits to plan for at peak, (0, 1]", "0.7"),
        "retention-hours": number("retentionHours", "stream retention, 24..8760", "24"),
        readers: number("readers", "pipelines reading the stream", "2"),
        "current-shards": number("current", "also plan UpdateShardCount calls from N shards"),
        "target-shards": number("target", "... to N shards", "the recommended count"),
        json: { type: "boolean", description: "print the plan as JSON" },
        "update-doc": { type: "boolean", description: "rewrite the generated 10 TB/day block of docs/capacity.md" },
    },
});

export const USAGE = usage(CAPACITY_COMMAND);

/** The planners name their fields by the options that fill them: `--tb-per-day`, not `tbPerDay`. */
const FIELD_NAMES = fieldNames(CAPACITY_COMMAND);

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
    const numbers: Partial<Record<PlannerField, number>> = {};
    for (const [flag, o] of Object.entries(CAPACITY_COMMAND.options)) {
        const raw = values[flag as keyof typeof values];
        if (!("field" in o) || typeof raw !== "string") continue;
        numbers[o.field] = numberOption(flag, raw);
    }
    const { current: currentShards, target: targetShards, averageEventBytes, frameCompressionRatio, hotShardImbalance, tasks, lingerMs, lookToBook, cancellationsPerBooking, ...input } = numbers;
    if (targetShards !== undefined && currentShards === undefined) {
        usageError(`${FIELD_NAMES("target")} needs ${FIELD_NAMES("current")} (the count to reshard from)`);
    }
    try {
        const dataPath = planDataPath(
            {
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
            },
            FIELD_NAMES,
        );
        const kinesisInput = {
            averageRecordBytes: Math.round(averageEventBytes ?? measured.averageEventBytes),
            compressionRatio: frameCompressionRatio ?? measured.frameCompressionRatio,
            ...input,
        } as CapacityInput;
        const plan = planCapacity(kinesisInput, FIELD_NAMES);
        if (values.json === true) return JSON.stringify({ dataPath, kinesis: plan }, null, 2).split("\n");
        return [...formatDataPathReport(dataPath), "", ...formatCapacityReport(plan, currentShards !== undefined ? { current: currentShards, target: targetShards } : undefined, FIELD_NAMES)];
    } catch (e) {
        // the planners' RangeErrors already name the options (FIELD_NAMES)
        if (e instanceof RangeError) usageError(e.message);
        throw e;
    }
}

export const DOC_START = "<!-- capacity:start (generated by npm run capacity -- --update-doc) -->";
export const DOC_END = "<!-- capacity:end -->";

/** The generated block of docs/capacity.md: the 10 TB/day data-path plan with the measured figures. */
export function docBlock(measured: MeasuredFigures): string {
    return [DOC_START, docBlockBody(measured), DOC_END].join("\n");
}

/** The block's text between its markers. */
function docBlockBody(measured: MeasuredFigures): string {
    const plan = planDataPath({ tbPerDay: 10, retentionHours: 48, measured });
    return ["```", "$ npm run capacity -- --tb-per-day 10 --retention-hours 48", ...formatDataPathReport(plan), "```"].join("\n");
}

/** `doc` with its generated block replaced (the markers must be there). */
export function withDocBlock(doc: string, measured: MeasuredFigures): string {
    return withBlock(doc, DOC_START, DOC_END, docBlockBody(measured), "docs/capacity.md");
}

if (require.main === module) {
    // runCapacity answers --help itself (the usage as lines); bad options → exit 2 with the usage.
    runMain(CAPACITY_COMMAND, () => {
        for (const line of runCapacity(process.argv.slice(2))) console.log(line);
    });
}
