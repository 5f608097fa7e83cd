/**
 * Prints the table of a results file as Markdown (for docs/performance.md).
 *
 *   node -r ./scripts/register.js bench/markdown.ts [bench/results.json]
 */
import * as fs from "fs";
import * as path from "path";
import { defineCommand, runMain } from "../scripts/lib/cli";
import { formatMarkdownTable, type Row } from "./stats";

export const BENCH_MARKDOWN_COMMAND = defineCommand({
    name: "bench markdown",
    invocation: "node -r ./scripts/register.js bench/markdown.ts",
    summary: "Prints the run line, the machine line and the table of a results file as Markdown (for docs/performance.md).",
    options: {},
    positionals: [{ name: "results", description: "the results file (default bench/results.json)" }],
});

/** The Markdown lines of a results file: the run, the machine, the table. */
export function resultsMarkdown(file: string): string[] {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
        generatedAt: string;
        mode: string;
        command: string;
        durationSeconds: number;
        machine: { nproc: number; cpuModel: string; node: string; platform: string; totalMemoryMB: number; commit: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
        table: Row[];
    };
    const m = doc.machine;
    return [
        `Run: \`${doc.command}\` (${doc.mode}), ${doc.generatedAt}, ${Math.round(doc.durationSeconds)} s, commit ${m.commit}.`,
        "",
        `Machine: ${m.nproc} vCPU ${m.cpuModel}, ${Math.round(m.totalMemoryMB / 1024)} GB RAM, ${m.platform}, Node ${m.node}; load average (1/5/15 min) ${m.loadAverageBefore.map((l) => l.toFixed(1)).join("/")} before, ${m.loadAverageAfter.map((l) => l.toFixed(1)).join("/")} after.`,
        "",
        formatMarkdownTable(doc.table),
    ];
}

if (require.main === module) {
    runMain(
        BENCH_MARKDOWN_COMMAND,
        (_values, [file]) => {
            for (const line of resultsMarkdown(file ?? path.join(__dirname, "results.json"))) console.log(line);
        },
        1,
    );
}
