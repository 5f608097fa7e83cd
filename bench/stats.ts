/**
 * Pure helpers of the benchmark harness: percentiles, ratios, goals and the
 * printed table. No I/O, no clock (tests/bench covers them).
 */
import { defineCommand, parseCommand, usageError } from "../scripts/lib/cli";
import { markdownTable } from "../scripts/lib/markdown";

/** A figure that could not be measured, with the reason (never a made-up number). */
export interface NotMeasured {
    readonly notMeasured: string;
}

export type Figure = number | NotMeasured;

export function notMeasured(reason: string): NotMeasured {
    if (typeof reason !== "string" || reason.trim() === "") {
        throw new TypeError(`notMeasured: \`reason\` must be a non-empty string; received ${JSON.stringify(reason)}`);
    }
    return { notMeasured: reason };
}

export function isMeasured(f: Figure | undefined): f is number {
    return typeof f === "number" && Number.isFinite(f);
}

/**
 * The p-th percentile (0..100) of `values` by the nearest-rank method: the
 * smallest value such that at least p% of the values are <= it.
 */
export function percentile(values: readonly number[], p: number): number {
    if (!Number.isFinite(p) || p < 0 || p > 100) {
        throw new RangeError(`percentile: \`p\` must be a number from 0 to 100; received ${String(p)}`);
    }
    if (values.length === 0) throw new RangeError("percentile: `values` is empty; there is no percentile of nothing");
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1];
}

/** The median: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
    if (values.length === 0) throw new RangeError("median: `values` is empty");
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Summary {
    readonly count: number;
    readonly min: number;
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
}

export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) throw new RangeError("summarize: `values` is empty");
    return {
        count: values.length,
        min: Math.min(...values),
        p50: percentile(values, 50),
        p95: percentile(values, 95),
        p99: percentile(values, 99),
        max: Math.max(...values),
        mean: values.reduce((a, b) => a + b, 0) / values.length,
    };
}

/**
 * `numerator / denominator` when both were measured and the denominator is
 * positive; otherwise a NotMeasured naming which side is missing.
 */
export function ratio(numerator: Figure, denominator: Figure): Figure {
    if (!isMeasured(numerator)) return notMeasured(`numerator not measured${typeof numerator === "object" ? ` (${numerator.notMeasured})` : ""}`);
    if (!isMeasured(denominator)) return notMeasured(`denominator not measured${typeof denominator === "object" ? ` (${denominator.notMeasured})` : ""}`);
    if (denominator <= 0) return notMeasured(`denominator is ${denominator}; a ratio needs a positive baseline`);
    return numerator / denominator;
}

/** Events per second from a count and elapsed milliseconds. */
export function perSecond(count: number, elapsedMs: number): number {
    if (!(elapsedMs > 0)) throw new RangeError(`perSecond: \`elapsedMs\` must be > 0; received ${String(elapsedMs)}`);
    return (count * 1000) / elapsedMs;
}

export interface Goal {
    /** "≥" (at least) or "≤" (at most). */
    readonly op: ">=" | "<=";
    readonly target: number;
}

export type GoalStatus = "met" | "missed" | "not measured" | "";

export function goalStatus(value: Figure, goal: Goal | undefined): GoalStatus {
    if (goal === undefined) return "";
    if (!isMeasured(value)) return "not measured";
    return (goal.op === ">=" ? value >= goal.target : value <= goal.target) ? "met" : "missed";
}

export function formatGoal(goal: Goal | undefined, unit = ""): string {
    if (goal === undefined) return "";
    return `${goal.op === ">=" ? "≥" : "≤"} ${goal.target.toLocaleString("en-US", { maximumFractionDigits: 3 })}${unit}`;
}

/** Numbers for people: thousands separators, 3 significant digits below 100, 2 decimals below 1. */
export function formatNumber(n: number): string {
    if (!Number.isFinite(n)) return String(n);
    const abs = Math.abs(n);
    if (abs >= 100) return Math.round(n).toLocaleString("en-US");
    if (abs >= 10) return n.toFixed(1);
    if (abs >= 1) return n.toFixed(2);
    if (abs === 0) return "0";
    return n.toFixed(3);
}

export function formatFigure(f: Figure | undefined, unit = ""): string {
    if (f === undefined) return "";
    if (!isMeasured(f)) return `not measured: ${(f as NotMeasured).notMeasured}`;
    return `${formatNumber(f)}${unit}`;
}

/** One line of the printed table. */
export interface Row {
    readonly section: string;
    readonly figure: string;
    readonly value: Figure;
    /** Appended to the value ("/s", " ms", "x"). */
    readonly unit?: string;
    readonly goal?: Goal;
}

export const TABLE_HEADER = ["section", "figure", "value", "goal", "status"] as const;

/** Plain-text table (columns padded to the widest cell, separated by two spaces, header underlined). */
export function formatTable(rows: readonly Row[]): string {
    const cells = rows.map((r) => [r.section, r.figure, formatFigure(r.value, r.unit ?? ""), formatGoal(r.goal, r.unit ?? ""), goalStatus(r.value, r.goal)]);
    const all = [[...TABLE_HEADER], ...cells];
    const widths = TABLE_HEADER.map((_, i) => Math.max(...all.map((c) => [...c[i]].length)));
    const line = (c: string[]) =>
        c
            .map((s, i) => s + " ".repeat(widths[i] - [...s].length))
            .join("  ")
            .trimEnd();
    return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** The same rows as a Markdown table (for docs/performance.md). */
export function formatMarkdownTable(rows: readonly Row[]): string {
    return markdownTable(
        TABLE_HEADER,
        rows.map((r) => [r.section, r.figure, formatFigure(r.value, r.unit ?? ""), formatGoal(r.goal, r.unit ?? ""), goalStatus(r.value, r.goal)]),
    );
}

/** Command-line options of `npm run bench`. */
export interface BenchArgs {
    readonly quick: boolean;
    /** Sections to run (all when empty). */
    readonly only: readonly SectionName[];
    readonly out: string;
    /** `--help`: print the usage and exit 0. */
    readonly help?: true;
}

export const SECTIONS = ["ingestion", "stream", "frames", "scale", "consumer", "writer", "plan", "freshness", "forecast"] as const;
export type SectionName = (typeof SECTIONS)[number];

export const BENCH_COMMAND = defineCommand({
    name: "bench",
    invocation: "npm run bench --",
    summary: "Runs the benchmarks (each section in its own child process) and writes bench/results.json with ratios against baselines of the same run.",
    options: {
        quick: { type: "boolean", description: "the short settings (smoke run; figures not for the docs)" },
        only: { type: "string", value: SECTIONS.join(","), description: "run only these sections (comma-separated)" },
        out: { type: "string", value: "FILE", default: "bench/results.json", description: "where to write the results" },
    },
});

/** Parses the bench's options; throws CliUsageError naming the option and the value (`help` for --help). */
export function parseArgs(argv: readonly string[], defaultOut: string): BenchArgs {
    const parsed = parseCommand(BENCH_COMMAND, argv);
    const v = parsed.help ? {} : parsed.values;
    const only: SectionName[] = [];
    for (const s of v.only?.split(",") ?? []) {
        if (!(SECTIONS as readonly string[]).includes(s)) usageError(`\`--only\`: unknown section ${JSON.stringify(s)} (sections: ${SECTIONS.join(", ")})`);
        only.push(s as SectionName);
    }
    return { quick: v.quick === true, only, out: v.out ?? defaultOut, ...(parsed.help ? { help: true } : {}) };
}
