/**
 * The one esbuild helper: bundles `functions/<name>/handler.ts` (or any
 * handler file, `entryCode`) into a Lambda code archive (index.js + source
 * map). Results are cached per process and on disk.
 *
 * Two layouts, one code path:
 * - in this repository (components/common/bundle.ts) the platform's functions
 *   are bundled from source (functions/<name>/<entry>.ts);
 * - in the package `@flightstream/components` (dist/components/common/bundle.js,
 *   built by scripts/build-package.ts) the same functions are prebuilt bundles
 *   under dist/bundles/<name>/<entry>/index.js (manifest.json lists them), so a
 *   stack outside this repository bundles nothing of the platform's; only its
 *   own handlers (`entryCode`) are bundled, with the esbuild the package
 *   depends on.
 */
import * as pulumi from "@pulumi/pulumi";
import * as esbuild from "esbuild";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The repository root, or the package's dist/ folder when running from the package. */
const ROOT = path.join(__dirname, "..", "..");

/** Where the package's prebuilt bundles live (dist/bundles); absent in the repository. */
export const PREBUILT_DIR = path.join(ROOT, "bundles");

/** The manifest scripts/build-package.ts writes next to the prebuilt bundles. */
export const PREBUILT_MANIFEST = "manifest.json";

/** One prebuilt bundle of the package: `functions/<name>/<entry>` bundled to `<dir>/index.js` (+ .map). */
export interface PrebuiltBundle {
    readonly name: string;
    readonly entry: string;
    /** Relative to PREBUILT_DIR, "/"-separated. */
    readonly dir: string;
    /** sha256 hex of index.js. */
    readonly sha256: string;
}

/** True when this code runs from the built package (it carries prebuilt bundles). */
export const FROM_PACKAGE = fs.existsSync(path.join(PREBUILT_DIR, PREBUILT_MANIFEST));

/** The platform's functions: their TypeScript sources in the repository, their compiled modules in the package. */
export const FUNCTIONS_DIR = path.join(ROOT, "functions");

/**
 * The ingestion image's build context (IngestionService): the repository root,
 * or the package's dist/image (the same files: package.json, package-lock.json,
 * tsconfig.json, functions/ingest, functions/shared). The Dockerfile is
 * `functions/ingest/Dockerfile` inside it.
 */
export const INGEST_IMAGE_CONTEXT = FROM_PACKAGE ? path.join(ROOT, "image") : ROOT;

/** Folder of the prebuilt bundle of `functions/<name>/<entry>`, relative to PREBUILT_DIR. */
export function prebuiltDir(name: string, entry = "handler.ts"): string {
    return `${name}/${entry.replace(/\.ts$/, "")}`;
}

/** The package's prebuilt bundle of `functions/<name>/<entry>`, or undefined (always in the repository). */
export function prebuiltBundle(name: string, entry = "handler.ts", dir = PREBUILT_DIR): { code: string; map: string } | undefined {
    const file = path.join(dir, ...prebuiltDir(name, entry).split("/"), "index.js");
    if (!fs.existsSync(file)) return undefined;
    const mapFile = `${file}.map`;
    return { code: fs.readFileSync(file, "utf8"), map: fs.existsSync(mapFile) ? fs.readFileSync(mapFile, "utf8") : "" };
}

/** Whether the platform carries `functions/<name>/<entry>`: as a prebuilt bundle (package) or as source (repository). */
export function functionExists(name: string, entry = "handler.ts"): boolean {
    return fs.existsSync(path.join(PREBUILT_DIR, ...prebuiltDir(name, entry).split("/"), "index.js")) || fs.existsSync(path.join(FUNCTIONS_DIR, name, entry));
}

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
const DISK_CACHE = path.join(FROM_PACKAGE ? process.cwd() : ROOT, "node_modules", ".cache", "flightstream-bundles");

/**
 * Where a handler's packages resolve from besides its own folder: the
 * repository's node_modules, or the node_modules folder the package is
 * installed in (a team's handler next to its stack finds them anyway).
 */
function extraNodePaths(): string[] {
    if (!FROM_PACKAGE) return [path.join(ROOT, "node_modules")];
    const parts = path.resolve(__dirname).split(path.sep);
    const i = parts.lastIndexOf("node_modules");
    return i > 0 ? [parts.slice(0, i + 1).join(path.sep)] : [];
}

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
    const prebuilt = prebuiltBundle(name, entry);
    if (prebuilt) return prebuilt;
    const entryPoint = path.join(FUNCTIONS_DIR, name, entry);
    if (!fs.existsSync(entryPoint)) {
        throw new Error(
            FROM_PACKAGE
                ? `bundleFunction: the package carries no bundle of function "${name}" entry "${entry}" (expected ${path.join(PREBUILT_DIR, prebuiltDir(name, entry), "index.js")}; rebuild it with npm run build:package).`
                : `bundleFunction: no entry point for function "${name}" (expected ${path.relative(process.cwd(), entryPoint)}).`,
        );
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
        nodePaths: extraNodePaths(),
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "";
    writeCache(
        key,
        Object.keys(result.metafile!.inputs).map((f) => path.resolve(f)),
        code,
        map,
    );
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
