/**
 * npm run build:functions [-- --out dist/functions] — bundles every Lambda under
 * functions/<name>/handler.ts with the same esbuild helper the components use,
 * and every consumer stack/consumers.ts declares (functions/consumer/<kind>/handler.ts,
 * written as consumer-<name>) with the same esbuild helper the components use,
 * writing index.js + index.js.map per function (for inspection or manual deploys).
 */
import * as fs from "fs";
import * as path from "path";
import { FUNCTIONS_DIR, bundleEntry, bundleFunction } from "@flightstream/components/common/bundle";
import { CONSUMERS } from "../stack/consumers";
import { defineCommand, runMain, type Values } from "./lib/cli";

export const BUILD_FUNCTIONS_COMMAND = defineCommand({
    name: "build:functions",
    invocation: "npm run build:functions --",
    summary: "Bundles every Lambda (functions/<name>/handler.ts) and every consumer of stack/consumers.ts with esbuild.",
    options: {
        out: { type: "string", value: "DIR", default: "dist/functions", description: "where to write <name>/index.js and index.js.map" },
    },
});

function buildFunctions(values: Values<typeof BUILD_FUNCTIONS_COMMAND.options>): number {
    const out = path.resolve(values.out ?? path.join(__dirname, "..", "dist", "functions"));
    const names = fs.readdirSync(FUNCTIONS_DIR).filter((n) => fs.existsSync(path.join(FUNCTIONS_DIR, n, "handler.ts")));
    const bundles = [...names.map((name) => ({ name, build: () => bundleFunction(name) })), ...CONSUMERS.map((c) => ({ name: `consumer-${c.name}`, build: () => bundleEntry(path.join(__dirname, "..", c.handler)) }))];
    for (const { name, build } of bundles) {
        const { code, map } = build();
        fs.mkdirSync(path.join(out, name), { recursive: true });
        fs.writeFileSync(path.join(out, name, "index.js"), code);
        fs.writeFileSync(path.join(out, name, "index.js.map"), map);
        console.log(`${name.padEnd(24)} ${(code.length / 1024).toFixed(0).padStart(6)} KiB  ${path.relative(process.cwd(), path.join(out, name, "index.js"))}`);
    }
    return 0;
}

if (require.main === module) runMain(BUILD_FUNCTIONS_COMMAND, buildFunctions);
