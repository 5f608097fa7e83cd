// Bundles the ingestion service into dist/ingest/main.js (one file + source map).
// Used by the Dockerfile's build stage and by tests; plain CommonJS so it runs
// with `node` alone (no ts-node in the image build).
const path = require("path");
const esbuild = require("esbuild");

const ROOT = path.resolve(__dirname, "..", "..");

/** esbuild options for the service bundle. */
function buildOptions(outdir = path.join(ROOT, "dist", "ingest")) {
    return {
        entryPoints: [path.join(__dirname, "main.ts")],
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        minify: true,
        sourcemap: true,
        outfile: path.join(outdir, "main.js"),
        legalComments: "none",
        logLevel: "warning",
    };
}

async function build(outdir) {
    await esbuild.build(buildOptions(outdir));
    return path.join(outdir ?? path.join(ROOT, "dist", "ingest"), "main.js");
}

module.exports = { buildOptions, build };

if (require.main === module) {
    build(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
        (file) => process.stdout.write(`built ${path.relative(process.cwd(), file)}\n`),
        (err) => {
            process.stderr.write(`${err.stack ?? err}\n`);
            process.exit(1);
        },
    );
}
