/**
 * The one esbuild helper: bundles `functions/<name>/handler.ts` into a Lambda
 * code archive (index.js + source map). Results are cached per process.
 */
import * as pulumi from "@pulumi/pulumi";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";

export const FUNCTIONS_DIR = path.join(__dirname, "..", "..", "functions");

const cache = new Map<string, pulumi.asset.AssetArchive>();

/** Bundled JavaScript for one function (for tests and the local platform). */
export function bundleFunction(name: string, entry = "handler.ts"): { code: string; map: string } {
    const entryPoint = path.join(FUNCTIONS_DIR, name, entry);
    if (!fs.existsSync(entryPoint)) {
        throw new Error(`bundleFunction: no entry point for function "${name}" (expected ${path.relative(process.cwd(), entryPoint)}).`);
    }
    const result = esbuild.buildSync({
        entryPoints: [entryPoint],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        minify: true,
        sourcemap: "external",
        outfile: "index.js",
        write: false,
        // The Lambda Node.js 20 runtime ships AWS SDK v3, but pinning our own
        // version keeps AWS and local behaviour identical, so bundle it.
        external: [],
        logLevel: "silent",
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "";
    return { code, map };
}

/** Lambda `code` archive for `functions/<name>/handler.ts` (handler: `index.handler`). */
export function functionCode(name: string, entry = "handler.ts"): pulumi.asset.AssetArchive {
    const key = `${name}/${entry}`;
    let archive = cache.get(key);
    if (!archive) {
        const { code, map } = bundleFunction(name, entry);
        archive = new pulumi.asset.AssetArchive({
            "index.js": new pulumi.asset.StringAsset(code),
            "index.js.map": new pulumi.asset.StringAsset(map),
        });
        cache.set(key, archive);
    }
    return archive;
}
