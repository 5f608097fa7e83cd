/**
 * npm run build:package [-- --no-pack] [--out DIR]
 *
 * Builds the package `@flightstream/components` (components/package.json) into
 * components/dist, then packs it with `npm pack` into DIR (default dist/package,
 * git-ignored):
 *
 * 1. tsc (components/tsconfig.build.json): components/ and every functions/
 *    module they import, as JavaScript + .d.ts (+ source maps with the
 *    sources inline), under dist/components and dist/functions (the relative
 *    imports between them keep working);
 * 2. the files that compiled code reads at deploy time: the SQL migrations
 *    (dist/functions/shared/db/migrations) and the platform's pond datasets
 *    (dist/datasets);
 * 3. every platform Lambda (functions/ ** /handler.ts, *-handler.ts) as a prebuilt
 *    esbuild bundle, dist/bundles/<name>/<entry>/index.js + .map, with
 *    manifest.json; components/common/bundle.ts uses them when it runs from the
 *    package;
 * 4. the ingestion image's build context, dist/image (the Dockerfile's COPY
 *    sources: package.json, package-lock.json, tsconfig.json, functions/ingest,
 *    functions/shared), whose content hash (the image tag) equals the
 *    repository's;
 * 5. a dependency check: every package the built code requires or its
 *    declarations import is declared in components/package.json
 *    (dependencies or peerDependencies), every declared one is used, and each
 *    declared range admits the version this repository installs.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import { parseArgs } from "util";
import * as semver from "semver";
import { PREBUILT_MANIFEST, PrebuiltBundle, bundleFunction, prebuiltDir } from "@flightstream/components/common/bundle";
import { serviceSourceHash } from "@flightstream/components/ingestion/IngestionService";

export const REPO = path.join(__dirname, "..");
export const PACKAGE_DIR = path.join(REPO, "components");
export const DIST = path.join(PACKAGE_DIR, "dist");
export const DEFAULT_PACK_DIR = path.join(REPO, "dist", "package");

/** The image context's files and folders, relative to the repository (functions/ingest/Dockerfile's COPY sources). */
export const IMAGE_CONTEXT_FILES = ["package.json", "package-lock.json", "tsconfig.json", "functions/ingest", "functions/shared"];

/** The platform's Lambda entry points, as (name, entry) for bundleFunction: functions/<name>/<entry>. */
export function lambdaEntries(functionsDir = path.join(REPO, "functions")): { name: string; entry: string }[] {
    const out: { name: string; entry: string }[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(functionsDir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const r = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) walk(r);
            else if (rel && (e.name === "handler.ts" || e.name.endsWith("-handler.ts"))) out.push({ name: rel, entry: e.name });
        }
    };
    walk("");
    return out;
}

/** Package names a JavaScript or declaration file imports (bare specifiers; node builtins left out). */
export function bareImports(source: string): Set<string> {
    const out = new Set<string>();
    const re = /(?:require\(\s*|import\(\s*|\bfrom\s+|\bimport\s+)["']([^"'./][^"']*)["']/g;
    for (const m of source.matchAll(re)) {
        const spec = m[1];
        // Only package names (prose and templates such as `from "${x}"` in comments are not).
        if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]*)?$/i.test(spec)) continue;
        if (spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0])) continue;
        const parts = spec.split("/");
        const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
        // Declarations refer to a types-only package by its runtime name ("aws-lambda" is @types/aws-lambda).
        out.add(name);
    }
    return out;
}

export interface DependencyReport {
    readonly missing: string[];
    readonly unused: string[];
    readonly outOfRange: string[];
}

/**
 * Compares what the built files import with what the package declares. A
 * declaration-only import of X is satisfied by a declared @types/X.
 */
export function checkDependencies(
    imports: { js: Set<string>; dts: Set<string> },
    manifest: { name?: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> },
    installed: (name: string) => string | undefined,
): DependencyReport {
    const declared = { ...(manifest.dependencies ?? {}), ...(manifest.peerDependencies ?? {}) };
    const typesName = (n: string) => `@types/${n.startsWith("@") ? n.slice(1).replace("/", "__") : n}`;
    const missing: string[] = [];
    const used = new Set<string>();
    // The package's own name (a comment or a self-reference) is not a dependency.
    const self = manifest.name;
    imports.js.delete(self ?? "");
    imports.dts.delete(self ?? "");
    for (const n of [...imports.js].sort()) {
        if (declared[n]) used.add(n);
        else missing.push(`${n} (required by the compiled JavaScript)`);
    }
    for (const n of [...imports.dts].sort()) {
        if (declared[n]) used.add(n);
        else if (declared[typesName(n)]) used.add(typesName(n));
        else if (!imports.js.has(n)) missing.push(`${n} (imported by the declarations; declare it or ${typesName(n)})`);
    }
    const unused = Object.keys(declared)
        .filter((n) => !used.has(n))
        .sort();
    const outOfRange: string[] = [];
    for (const [n, range] of Object.entries(declared).sort()) {
        const v = installed(n);
        if (!v) outOfRange.push(`${n}: not installed in this repository (declared ${range})`);
        else if (!semver.satisfies(v, range)) outOfRange.push(`${n}: this repository installs ${v}, outside the declared ${range}`);
    }
    return { missing, unused, outOfRange };
}

function filesUnder(dir: string, suffix: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(suffix)).map((f) => path.join(dir, f));
}

function copy(from: string, to: string): void {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.cpSync(from, to, { recursive: true });
}

function installedVersion(name: string): string | undefined {
    const file = path.join(REPO, "node_modules", name, "package.json");
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version : undefined;
}

function run(cmd: string, args: string[], cwd: string): string {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

export interface BuildResult {
    readonly dist: string;
    readonly bundles: PrebuiltBundle[];
    /** The tarball, when packed. */
    readonly tarball?: string;
}

export function buildPackage(opts: { pack?: boolean; packDir?: string; log?: (line: string) => void } = {}): BuildResult {
    const log = opts.log ?? ((l: string) => console.log(l));
    fs.rmSync(DIST, { recursive: true, force: true });

    // 1. JavaScript + declarations.
    run(process.execPath, [path.join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(PACKAGE_DIR, "tsconfig.build.json")], REPO);
    // The maps carry their sources inline; name each source next to its module (dist/x/y.ts) rather than by
    // a path back into this repository, which outside it would point at nothing (or at a sibling package).
    for (const m of filesUnder(DIST, ".js.map")) {
        const map = JSON.parse(fs.readFileSync(m, "utf8")) as { sources: string[]; sourcesContent?: string[] };
        if (!map.sourcesContent || map.sourcesContent.length !== map.sources.length) throw new Error(`build:package: ${m} does not carry its sources inline.`);
        map.sources = map.sources.map((src) => path.basename(src));
        fs.writeFileSync(m, JSON.stringify(map));
    }
    log(`tsc            ${filesUnder(DIST, ".js").length} modules, ${filesUnder(DIST, ".d.ts").length} declarations`);

    // 2. Files compiled code reads.
    for (const sql of filesUnder(path.join(REPO, "functions", "shared", "db", "migrations"), ".sql")) {
        copy(sql, path.join(DIST, path.relative(REPO, sql)));
    }
    copy(path.join(REPO, "datasets"), path.join(DIST, "datasets"));

    // 3. Prebuilt Lambda bundles.
    const bundles: PrebuiltBundle[] = [];
    for (const { name, entry } of lambdaEntries()) {
        const { code, map } = bundleFunction(name, entry);
        const dir = prebuiltDir(name, entry);
        const out = path.join(DIST, "bundles", ...dir.split("/"));
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(path.join(out, "index.js"), code);
        fs.writeFileSync(path.join(out, "index.js.map"), map);
        bundles.push({ name, entry, dir, sha256: createHash("sha256").update(code).digest("hex") });
    }
    fs.writeFileSync(path.join(DIST, "bundles", PREBUILT_MANIFEST), `${JSON.stringify({ bundles }, null, 2)}\n`);
    log(`bundles        ${bundles.map((b) => b.dir).join(", ")}`);

    // 4. The ingestion image's build context.
    for (const f of IMAGE_CONTEXT_FILES) copy(path.join(REPO, f), path.join(DIST, "image", f));
    const repoHash = serviceSourceHash(REPO);
    const imageHash = serviceSourceHash(path.join(DIST, "image"));
    if (repoHash !== imageHash) throw new Error(`build:package: the image context's hash ${imageHash} differs from the repository's ${repoHash}.`);
    log(`image context  dist/image (tag ${imageHash})`);

    // 5. Dependencies.
    const js = new Set<string>();
    const dts = new Set<string>();
    for (const f of filesUnder(path.join(DIST, "components"), ".js").concat(filesUnder(path.join(DIST, "functions"), ".js"))) for (const n of bareImports(fs.readFileSync(f, "utf8"))) js.add(n);
    for (const f of filesUnder(path.join(DIST, "components"), ".d.ts").concat(filesUnder(path.join(DIST, "functions"), ".d.ts"))) for (const n of bareImports(fs.readFileSync(f, "utf8"))) dts.add(n);
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8"));
    const report = checkDependencies({ js, dts }, manifest, installedVersion);
    const problems = [...report.missing.map((m) => `not declared in components/package.json: ${m}`), ...report.unused.map((u) => `declared in components/package.json but nothing built imports it: ${u}`), ...report.outOfRange];
    if (problems.length) throw new Error(`build:package: dependency check failed:\n  ${problems.join("\n  ")}`);
    log(`dependencies   ${Object.keys(manifest.dependencies ?? {}).length} dependencies, ${Object.keys(manifest.peerDependencies ?? {}).length} peer dependencies, all used and in range`);

    if (opts.pack === false) return { dist: DIST, bundles };
    const packDir = path.resolve(opts.packDir ?? DEFAULT_PACK_DIR);
    fs.mkdirSync(packDir, { recursive: true });
    const out = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", packDir], PACKAGE_DIR)) as { filename: string; size: number; entryCount: number }[];
    const tarball = path.join(packDir, out[0].filename);
    log(`tarball        ${path.relative(process.cwd(), tarball)} (${(out[0].size / 1024 / 1024).toFixed(1)} MiB, ${out[0].entryCount} files)`);
    return { dist: DIST, bundles, tarball };
}

if (require.main === module) {
    const { values } = parseArgs({ options: { "no-pack": { type: "boolean", default: false }, out: { type: "string" } } });
    try {
        buildPackage({ pack: !values["no-pack"], packDir: values.out });
    } catch (e) {
        console.error((e as Error).message);
        process.exit(1);
    }
}
