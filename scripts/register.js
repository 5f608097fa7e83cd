// Loaded with `node -r ./scripts/register.js` by every npm script, by mocha and
// by `pulumi up` (Pulumi.yaml `nodeargs`).
// Type checking is done once by `npm run typecheck`; at run time TypeScript is
// only transpiled, by ts-node's SWC transpiler (about 20x faster than the
// TypeScript compiler's transpileModule, which made loading the stack program
// take seconds).
//
// The platform imports its components as `@flightstream/components`, exactly as
// a stack outside this repository does; here the name resolves to the sources
// (the same mapping as tsconfig.json `paths`, which the type check and esbuild
// read): see `aliasTarget`.
const Module = require("module");
const path = require("path");
const ROOT = path.join(__dirname, "..");
const PACKAGE = "@flightstream/components";

/**
 * The file or folder `@flightstream/components[/sub]` names in this repository,
 * or undefined for any other request:
 *   @flightstream/components               -> components/index.ts
 *   @flightstream/components/functions/<p> -> functions/<p>
 *   @flightstream/components/<p>           -> components/<p>   (a folder resolves to its index.ts)
 * (components/package.json `exports` maps the same names into the built package.)
 */
function aliasTarget(request) {
    if (request === PACKAGE) return path.join(ROOT, "components", "index.ts");
    if (!request.startsWith(`${PACKAGE}/`)) return undefined;
    const sub = request.slice(PACKAGE.length + 1);
    if (sub === "package.json") return path.join(ROOT, "components", "package.json");
    if (sub.startsWith("functions/")) return path.join(ROOT, "functions", sub.slice("functions/".length));
    return path.join(ROOT, "components", sub);
}

if (!Module.__flightstreamAlias) {
    Module.__flightstreamAlias = true;
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, parent, isMain, options) {
        const target = typeof request === "string" ? aliasTarget(request) : undefined;
        return resolve.call(this, target ?? request, parent, isMain, options);
    };
}

process.env.TS_NODE_TRANSPILE_ONLY = process.env.TS_NODE_TRANSPILE_ONLY ?? "true";
process.env.TS_NODE_SWC = process.env.TS_NODE_SWC ?? "true";
process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT ?? path.join(__dirname, "..", "tsconfig.json");
require("ts-node/register");

module.exports = { aliasTarget };
