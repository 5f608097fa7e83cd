/**
 * The one esbuild helper: bundles `functions/<name>/handler.ts` (or any
 * handler file, `entryCode`) into a Lambda code archive (index.js + source
 * map). Results are cached per process and on disk.
 */
import * as pulumi from "@pulumi/pulumi";
import * as esbuild from "esbuild";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const FUNCTIONS_DIR = path.join(__dirname, "..", "..", "functions");

/**
 * The Lambda runtime every function uses. nodejs20.x reached end of support on
 * 2026-04-30 (AWS Lambda runtime deprecation policy; creating such functions is
 * blocked since), so functions run on Node.js 22; bundles target it.
 */
export const LAMBDA_RUNTIME = "nodejs22.x";

const cache = new Map<string, pulumi.asset.AssetArchive>();

/**
 * On-disk cache of bundles, keyed by entry point and validated against the size
 * and modification time of every input file esbuild read, so repeated plans in
 * new processes (tests, CLI) skip rebuilding unchanged functions.
 */
const DISK_CACHE = path.join(__dirname, "..", "..", "node_modules", ".cache", "flightstream-bundles");

interface CachedBundle {
    readonly inputs: Record<string, string>;
    readonly code: string;
    readonly map: string;
}

function fingerprint(file: string): string {
    try {
        const st = fs.statSync(file);
        return `${st.size}:${st.mtimeMs}`;
    } catch {
        return "missing";
    }
}

function readCache(key: string): { code: string; map: string } | undefined {
    const file = path.join(DISK_CACHE, `${key}.json`);
    if (process.env.FLIGHTSTREAM_BUNDLE_CACHE === "0" || !fs.existsSync(file)) return undefined;
    try {
        const c = JSON.parse(fs.readFileSync(file, "utf8")) as CachedBundle;
        for (const [f, fp] of Object.entries(c.inputs)) if (fingerprint(f) !== fp) return undefined;
        return { code: c.code, map: c.map };
    } catch {
        return undefined;
    }
}

function writeCache(key: string, inputs: string[], code: string, map: string): void {
    try {
        fs.mkdirSync(DISK_CACHE, { recursive: true });
        const c: CachedBundle = { inputs: Object.fromEntries(inputs.map((f) => [f, fingerprint(f)])), code, map };
        const tmp = path.join(DISK_CACHE, `${key}.${process.pid}.tmp`);
        fs.writeFileSync(tmp, JSON.stringify(c));
        fs.renameSync(tmp, path.join(DISK_CACHE, `${key}.json`));
    } catch {
        // The cache is an optimisation only.
    }
}

/** Bundled JavaScript for one function (for tests and the local platform). */
export function bundleFunction(name: string, entry = "handler.ts"): { code: string; map: string } {
    const entryPoint = path.join(FUNCTIONS_DIR, name, entry);
    if (!fs.existsSync(entryPoint)) {
        throw new Error(`bundleFunction: no entry point for function "${name}" (expected ${path.relative(process.cwd(), entryPoint)}).`);
    }
    return bundleFile(entryPoint, `${name}-${entry}`);
}

/**
 * Bundled JavaScript for any handler file, inside this repository or not
 * (a team's own consumer, e.g. examples/team-stack/handlers/x.ts); it may
 * import the platform's functions/ by relative path.
 */
export function bundleEntry(entryPath: string): { code: string; map: string } {
    const entryPoint = path.resolve(entryPath);
    if (!fs.existsSync(entryPoint)) throw new Error(`bundleEntry: no handler file at ${entryPoint}.`);
    return bundleFile(entryPoint, `entry-${createHash("sha256").update(entryPoint).digest("hex").slice(0, 16)}-${path.basename(entryPoint)}`);
}

function bundleFile(entryPoint: string, cacheKey: string): { code: string; map: string } {
    const key = cacheKey.replace(/[^a-zA-Z0-9_.-]/g, "_");
    const cached = readCache(key);
    if (cached) return cached;
    const result = esbuild.buildSync({
        entryPoints: [entryPoint],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        minify: true,
        sourcemap: "external",
        outfile: "index.js",
        write: false,
        // The Lambda Node.js 22 runtime ships AWS SDK v3, but pinning our own
        // version keeps AWS and local behaviour identical, so bundle it.
        external: [],
        logLevel: "silent",
        metafile: true,
        // A handler outside this repository resolves packages from here too.
        nodePaths: [path.join(__dirname, "..", "..", "node_modules")],
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "";
    writeCache(key, Object.keys(result.metafile!.inputs).map((f) => path.resolve(f)), code, map);
    return { code, map };
}

function archiveOf(code: string, map: string): pulumi.asset.AssetArchive {
    return new pulumi.asset.AssetArchive({
        "index.js": new pulumi.asset.StringAsset(code),
        "index.js.map": new pulumi.asset.StringAsset(map),
    });
}

/** Lambda `code` archive for any handler file (handler: `index.handler`, the file's `handler` export). */
export function entryCode(entryPath: string): pulumi.asset.AssetArchive {
    const key = `entry:${path.resolve(entryPath)}`;
    let archive = cache.get(key);
    if (!archive) {
        const { code, map } = bundleEntry(entryPath);
        archive = archiveOf(code, map);
        cache.set(key, archive);
    }
    return archive;
}

/** Lambda `code` archive for `functions/<name>/handler.ts` (handler: `index.handler`). */
export function functionCode(name: string, entry = "handler.ts"): pulumi.asset.AssetArchive {
    const key = `${name}/${entry}`;
    let archive = cache.get(key);
    if (!archive) {
        const { code, map } = bundleFunction(name, entry);
        archive = archiveOf(code, map);
        cache.set(key, archive);
    }
    return archive;
}
