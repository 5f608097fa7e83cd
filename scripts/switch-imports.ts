/**
 * npm run switch-imports [-- --check]
 *
 * Rewrites every relative import of components/ outside components/ (stack/,
 * plan/, scripts/, examples/, tests/, local/, bench/, policies/, index.ts) to
 * the package name, so the platform imports `@flightstream/components` exactly
 * as a stack outside this repository does:
 *
 *   "../components"                      -> "@flightstream/components"
 *   "../../components/stream"            -> "@flightstream/components/stream"
 *   "../../components/common/bundle"     -> "@flightstream/components/common/bundle"
 *
 * and, in examples/ (code written as another team would write it), relative
 * imports of the platform's functions/ to the package's functions subpath:
 *
 *   "../../../functions/consumer/lambda" -> "@flightstream/components/functions/consumer/lambda"
 *
 * Idempotent; run it again after merging branches that add relative imports.
 * `--check` changes nothing and exits 1 listing what it would rewrite (a test
 * runs it).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";

export const PACKAGE_NAME = "@flightstream/components";
export const REPO = path.join(__dirname, "..");
/** Where imports are switched (relative to the repository). */
export const SWITCHED = ["index.ts", "stack", "plan", "scripts", "examples", "tests", "local", "bench", "policies"];

const SPECIFIER = /(\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*)(["'])(\.{1,2}\/[^"']*)\2/g;

/** The package specifier for a relative `spec` in `file`, or undefined when it stays as it is. */
export function switchedSpecifier(file: string, spec: string, repo = REPO): string | undefined {
    if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
    const rel = path
        .relative(repo, path.resolve(path.dirname(file), spec))
        .split(path.sep)
        .join("/");
    const fromRel = path.relative(repo, file).split(path.sep).join("/");
    if (fromRel.startsWith("components/") || fromRel.startsWith("functions/") || fromRel.startsWith("..")) return undefined;
    const strip = (s: string) => s.replace(/\/index(\.ts)?$/, "").replace(/\.ts$/, "");
    if (rel === "components" || rel === "components/index" || rel === "components/index.ts") return PACKAGE_NAME;
    if (rel.startsWith("components/") && !rel.startsWith("components/dist/")) return `${PACKAGE_NAME}/${strip(rel.slice("components/".length))}`;
    if (fromRel.startsWith("examples/") && rel.startsWith("functions/")) return `${PACKAGE_NAME}/functions/${rel.slice("functions/".length).replace(/\.ts$/, "")}`;
    return undefined;
}

/** `source` with its relative component imports switched, and the rewrites made. */
export function switchSource(file: string, source: string, repo = REPO): { source: string; rewrites: string[] } {
    const rewrites: string[] = [];
    const out = source.replace(SPECIFIER, (all, lead: string, quote: string, spec: string) => {
        const to = switchedSpecifier(file, spec, repo);
        if (!to) return all;
        rewrites.push(`${spec} -> ${to}`);
        return `${lead}${quote}${to}${quote}`;
    });
    return { source: out, rewrites };
}

function sourceFiles(repo: string): string[] {
    const out: string[] = [];
    const walk = (abs: string) => {
        const st = fs.statSync(abs);
        if (st.isFile()) {
            if (/\.(ts|js)$/.test(abs) && !abs.endsWith(".d.ts")) out.push(abs);
            return;
        }
        for (const e of fs.readdirSync(abs).sort()) if (e !== "node_modules" && e !== "dist" && !e.startsWith(".")) walk(path.join(abs, e));
    };
    for (const s of SWITCHED) if (fs.existsSync(path.join(repo, s))) walk(path.join(repo, s));
    return out;
}

/** Switches (or with `check`, only finds) every relative component import in the tree; returns "file: a -> b" lines. */
export function switchImports(opts: { check?: boolean; repo?: string } = {}): string[] {
    const repo = opts.repo ?? REPO;
    const lines: string[] = [];
    for (const file of sourceFiles(repo)) {
        const before = fs.readFileSync(file, "utf8");
        const { source, rewrites } = switchSource(file, before, repo);
        if (!rewrites.length) continue;
        for (const r of rewrites) lines.push(`${path.relative(repo, file)}: ${r}`);
        if (!opts.check) fs.writeFileSync(file, source);
    }
    return lines;
}

if (require.main === module) {
    const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
    const lines = switchImports({ check: values.check });
    for (const l of lines) console.log(l);
    if (values.check && lines.length) {
        console.error(`switch-imports: ${lines.length} relative component import(s) left; run npm run switch-imports.`);
        process.exit(1);
    }
    if (!values.check) console.log(`switch-imports: ${lines.length} import(s) switched to ${PACKAGE_NAME}.`);
}
