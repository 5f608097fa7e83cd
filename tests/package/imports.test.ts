/**
 * The platform imports its components as `@flightstream/components`, like an
 * outside stack: the import switch (scripts/switch-imports.ts) leaves nothing
 * relative, the alias (scripts/register.js, tsconfig.json `paths`) and the
 * package's `exports` name the same modules, and the package build's pure
 * parts (dependency check, prebuilt bundle lookup) behave.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as YAML from "yaml";
import * as os from "os";
import * as path from "path";
import { bareImports, checkDependencies, lambdaEntries } from "../../scripts/build-package";
import { switchImports, switchSource, switchedSpecifier } from "../../scripts/switch-imports";
import { FROM_PACKAGE, INGEST_IMAGE_CONTEXT, functionExists, prebuiltBundle, prebuiltDir } from "@flightstream/components/common/bundle";

const REPO = path.join(__dirname, "..", "..");
// Built by concatenation so the import switch never rewrites these fixtures.
const C = "comp" + "onents";
const F = "func" + "tions";

describe("package: the import switch", function () {
    it("leaves no relative import of components/ outside components/ (npm run switch-imports -- --check)", function () {
        expect(switchImports({ check: true })).to.deep.equal([]);
    });

    it("maps relative component imports to the package name, its areas and its deep modules", function () {
        const file = path.join(REPO, "stack", "x.ts");
        expect(switchedSpecifier(file, `../${C}`)).to.equal("@flightstream/components");
        expect(switchedSpecifier(file, `../${C}/index`)).to.equal("@flightstream/components");
        expect(switchedSpecifier(file, `../${C}/stream`)).to.equal("@flightstream/components/stream");
        expect(switchedSpecifier(file, `../${C}/stream/index`)).to.equal("@flightstream/components/stream");
        expect(switchedSpecifier(file, `../${C}/common/bundle`)).to.equal("@flightstream/components/common/bundle");
        expect(switchedSpecifier(path.join(REPO, "tests", "a", "b.test.ts"), `../../${C}/lake/DataLake`)).to.equal("@flightstream/components/lake/DataLake");
        expect(switchedSpecifier(path.join(REPO, "index.ts"), `./${C}`)).to.equal("@flightstream/components");
    });

    it("maps examples' imports of functions/ to the package's functions subpath, and nobody else's", function () {
        expect(switchedSpecifier(path.join(REPO, "examples", "team-stack", "handlers", "h.ts"), `../../../${F}/consumer/lambda`)).to.equal("@flightstream/components/functions/consumer/lambda");
        expect(switchedSpecifier(path.join(REPO, "tests", "a", "b.test.ts"), `../../${F}/consumer/lambda`)).to.equal(undefined);
    });

    it("leaves imports inside components/ and functions/, and other relative imports, as they are", function () {
        expect(switchedSpecifier(path.join(REPO, C, "stream", "KinesisStream.ts"), "../common/iam")).to.equal(undefined);
        expect(switchedSpecifier(path.join(REPO, F, "shared", "x.ts"), `../../${C}/common/iam`)).to.equal(undefined);
        expect(switchedSpecifier(path.join(REPO, "stack", "x.ts"), "./config")).to.equal(undefined);
        expect(switchedSpecifier(path.join(REPO, "stack", "x.ts"), "@pulumi/aws")).to.equal(undefined);
    });

    it("rewrites import, export-from, dynamic import and require forms, and is idempotent", function () {
        const file = path.join(REPO, "tests", "a", "b.test.ts");
        const src = [
            `import { KinesisStream } from "../../${C}/stream";`,
            `import type { X } from '../../${C}';`,
            `export * from "../../${C}/common/iam";`,
            `const m = require("../../${C}/common/bundle");`,
            `const d = import("../../${C}/lake");`,
            `import { y } from "./helpers";`,
        ].join("\n");
        const once = switchSource(file, src);
        expect(once.rewrites).to.have.length(5);
        expect(once.source).to.equal(
            [
                `import { KinesisStream } from "@flightstream/components/stream";`,
                `import type { X } from '@flightstream/components';`,
                `export * from "@flightstream/components/common/iam";`,
                `const m = require("@flightstream/components/common/bundle");`,
                `const d = import("@flightstream/components/lake");`,
                `import { y } from "./helpers";`,
            ].join("\n"),
        );
        expect(switchSource(file, once.source).rewrites).to.deep.equal([]);
    });
});

describe("package: the alias and the package's exports name the same modules", function () {
    const { aliasTarget } = require("../../scripts/register.js") as { aliasTarget: (r: string) => string | undefined };
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, C, "package.json"), "utf8"));
    const tsconfig = JSON.parse(fs.readFileSync(path.join(REPO, "tsconfig.json"), "utf8"));

    it("resolves the package, an area, a deep module and a function module to the sources", function () {
        expect(require.resolve("@flightstream/components")).to.equal(path.join(REPO, C, "index.ts"));
        expect(require.resolve("@flightstream/components/stream")).to.equal(path.join(REPO, C, "stream", "index.ts"));
        expect(require.resolve("@flightstream/components/common/bundle")).to.equal(path.join(REPO, C, "common", "bundle.ts"));
        expect(require.resolve("@flightstream/components/functions/consumer/lambda")).to.equal(path.join(REPO, F, "consumer", "lambda.ts"));
        expect(aliasTarget("@flightstream/componentsx")).to.equal(undefined);
        expect(aliasTarget("@pulumi/aws")).to.equal(undefined);
    });

    it("the in-repository stack and the package's own modules are one module instance", function () {
        const a = require("@flightstream/components");
        const b = require("@flightstream/components/stream");
        expect(a.KinesisStream).to.equal(b.KinesisStream);
    });

    it("the tsconfig paths alias maps the same three forms", function () {
        expect(tsconfig.compilerOptions.paths).to.deep.equal({
            "@flightstream/components": [`./${C}/index.ts`],
            "@flightstream/components/functions/*": [`./${F}/*`],
            "@flightstream/components/*": [`./${C}/*`],
        });
    });

    it("every area folder of components/ has an exports entry pointing at its built index, and the package is semver 0.1.0", function () {
        const areas = fs
            .readdirSync(path.join(REPO, C), { withFileTypes: true })
            .filter((e) => e.isDirectory() && e.name !== "dist" && fs.existsSync(path.join(REPO, C, e.name, "index.ts")))
            .map((e) => e.name)
            .sort();
        expect(areas.length).to.be.greaterThan(5);
        for (const a of areas) expect(pkg.exports[`./${a}`], a).to.deep.equal({ types: `./dist/components/${a}/index.d.ts`, default: `./dist/components/${a}/index.js` });
        expect(pkg.exports["."]).to.deep.equal({ types: "./dist/components/index.d.ts", default: "./dist/components/index.js" });
        expect(pkg.exports["./functions/*"]).to.deep.equal({ types: "./dist/functions/*.d.ts", default: "./dist/functions/*.js" });
        expect(pkg.name).to.equal("@flightstream/components");
        expect(pkg.version).to.equal("0.1.0");
        expect(Object.keys(pkg.peerDependencies).sort()).to.deep.equal(["@pulumi/aws", "@pulumi/pulumi"]);
    });

    it("pulumi up loads the program the same way: Pulumi.yaml passes register.js as nodeargs, and node resolves the package with it", function () {
        const project = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"));
        expect(project.runtime.options).to.deep.include({ typescript: false, nodeargs: "--require ./scripts/register.js" });
        const r = spawnSync(process.execPath, ["--require", "./scripts/register.js", "-e", "process.stdout.write(require.resolve('@flightstream/components/stream'))"], { cwd: REPO, encoding: "utf8" });
        expect(r.stderr).to.equal("");
        expect(r.stdout).to.equal(path.join(REPO, C, "stream", "index.ts"));
    });

    it("examples/team-stack depends on the package's tarball, not on a relative path", function () {
        const ex = JSON.parse(fs.readFileSync(path.join(REPO, "examples", "team-stack", "package.json"), "utf8"));
        expect(ex.dependencies["@flightstream/components"]).to.equal(`file:../../dist/package/flightstream-components-${pkg.version}.tgz`);
        const sources = ["index.ts", "pond.ts", "handlers/route-watch.ts"].map((f) => fs.readFileSync(path.join(REPO, "examples", "team-stack", f), "utf8"));
        for (const s of sources) expect(s).to.not.match(/from "(\.\.\/)+(components|functions)/);
    });
});

describe("package: build checks", function () {
    it("bareImports finds package names in require, import and export forms, not builtins, relative paths or prose", function () {
        const src = [
            `const a = require("@pulumi/aws");`,
            `const b = require("esbuild");`,
            `const c = require("fs"); const d = require("node:crypto"); const e = require("./x");`,
            `import type { Context } from "aws-lambda";`,
            `export * from "@aws-sdk/client-s3/dist-types/x";`,
            ` * import { X } from "<path-to-somewhere>"; from "\${name}"`,
        ].join("\n");
        expect([...bareImports(src)].sort()).to.deep.equal(["@aws-sdk/client-s3", "@pulumi/aws", "aws-lambda", "esbuild"]);
    });

    it("checkDependencies passes when every import is declared, used and in range (a declarations-only import satisfied by @types)", function () {
        const r = checkDependencies(
            { js: new Set(["@pulumi/pulumi", "zod"]), dts: new Set(["@pulumi/pulumi", "aws-lambda"]) },
            { name: "@x/y", dependencies: { zod: "^4.6.0", "@types/aws-lambda": "^8.10.0" }, peerDependencies: { "@pulumi/pulumi": "^3.270.0" } },
            (n) => (({ zod: "4.6.7", "@types/aws-lambda": "8.10.164", "@pulumi/pulumi": "3.270.0" }) as Record<string, string>)[n],
        );
        expect(r).to.deep.equal({ missing: [], unused: [], outOfRange: [] });
    });

    it("fails when the built code imports an undeclared package, declares an unused one, or pins a range the repository does not install", function () {
        const r = checkDependencies(
            { js: new Set(["@pulumi/pulumi", "yaml"]), dts: new Set(["aws-lambda"]) },
            { dependencies: { zod: "^4.6.0" }, peerDependencies: { "@pulumi/pulumi": "^4.0.0" } },
            (n) => (({ zod: "4.6.7", "@pulumi/pulumi": "3.270.0" }) as Record<string, string>)[n],
        );
        expect(r.missing).to.deep.equal(["yaml (required by the compiled JavaScript)", "aws-lambda (imported by the declarations; declare it or @types/aws-lambda)"]);
        expect(r.unused).to.deep.equal(["zod"]);
        expect(r.outOfRange).to.deep.equal(["@pulumi/pulumi: this repository installs 3.270.0, outside the declared ^4.0.0"]);
    });

    it("lambdaEntries lists every platform Lambda the components deploy, including non-default entries", function () {
        const dirs = lambdaEntries().map((e) => prebuiltDir(e.name, e.entry));
        for (const d of ["lake/handler", "processor/handler", "insights/handler", "migrate/handler", "pond-etl/handler", "rotate-db-secret/handler", "workflows/handler", "forecast/train-handler", "connectors/flight-status/handler"])
            expect(dirs, d).to.include(d);
    });
});

describe("package: components/common/bundle.ts prebuilt bundles", function () {
    let tmp: string;
    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flightstream-prebuilt-"));
        fs.mkdirSync(path.join(tmp, "forecast", "train-handler"), { recursive: true });
        fs.writeFileSync(path.join(tmp, "forecast", "train-handler", "index.js"), "exports.handler=async()=>1;");
        fs.writeFileSync(path.join(tmp, "forecast", "train-handler", "index.js.map"), '{"version":3}');
    });
    after(function () {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("reads a prebuilt bundle with its map from the package's bundles folder", function () {
        expect(prebuiltBundle("forecast", "train-handler.ts", tmp)).to.deep.equal({ code: "exports.handler=async()=>1;", map: '{"version":3}' });
    });

    it("returns nothing when the package carries no such bundle (the repository bundles from source)", function () {
        expect(prebuiltBundle("forecast", "handler.ts", tmp)).to.equal(undefined);
        expect(prebuiltBundle("lake")).to.equal(undefined);
    });

    it("in the repository: sources, not a package; the image context is the repository root", function () {
        expect(FROM_PACKAGE).to.equal(false);
        expect(INGEST_IMAGE_CONTEXT).to.equal(REPO);
        expect(functionExists("lake")).to.equal(true);
        expect(functionExists("forecast", "train-handler.ts")).to.equal(true);
        expect(functionExists("connectors/no-such-connector")).to.equal(false);
    });
});
