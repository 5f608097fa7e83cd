/**
 * Prints the table of a results file as Markdown (for docs/performance.md).
 *
 *   node -r ./scripts/register.js bench/markdown.ts [bench/results.json]
 */
import * as fs from "fs";
import * as path from "path";
import { formatMarkdownTable, type Row } from "./stats";

const file = process.argv[2] ?? path.join(__dirname, "results.json");
const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    generatedAt: string;
    mode: string;
    command: string;
    durationSeconds: number;
    machine: { nproc: number; cpuModel: string; node: string; platform: string; totalMemoryMB: number; commit: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
    table: Row[];
};
const m = doc.machine;
console.log(`Run: \`${doc.command}\` (${doc.mode}), ${doc.generatedAt}, ${Math.round(doc.durationSeconds)} s, commit ${m.commit}.`);
console.log("");
console.log(
    `Machine: ${m.nproc} vCPU ${m.cpuModel}, ${Math.round(m.totalMemoryMB / 1024)} GB RAM, ${m.platform}, Node ${m.node}; load average (1/5/15 min) ${m.loadAverageBefore.map((l) => l.toFixed(1)).join("/")} before, ${m.loadAverageAfter.map((l) => l.toFixed(1)).join("/")} after.`,
);
console.log("");
console.log(formatMarkdownTable(doc.table));
