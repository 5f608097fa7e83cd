import * as path from "path";
import { spawnSync } from "child_process";
import { expect } from "chai";
import { CliIo, CommandSpec, parseCommand, runCommand, usage } from "../../scripts/lib/cli";
import { PLAN_COMMAND } from "../../scripts/plan";
import { POLICY_COMMAND } from "../../scripts/policy";
import { DIAGRAM_COMMAND } from "../../scripts/diagram";
import { ALARMS_DOC_COMMAND } from "../../scripts/alarms-doc";
import { BUILD_FUNCTIONS_COMMAND } from "../../scripts/build-functions";
import { EVENT_TYPES_DOC_COMMAND } from "../../scripts/event-types-doc";
import { DESIGN_DOC_COMMAND } from "../../scripts/design-doc";
import { CAPACITY_COMMAND } from "../../scripts/capacity";
import { TRAFFIC_COMMAND } from "../../scripts/traffic";
import { RECONCILE_COMMAND, RECOMPUTE_COMMAND, recomputeCommand } from "../../scripts/reconcile";
import { KEYS_COMMAND } from "../../scripts/ops-keys";
import { OPS_COMMANDS, USAGE as OPS_USAGE } from "../../scripts/ops-args";
import { MAIN_COMMAND } from "../../local/main";
import { BENCH_COMMAND } from "../../bench/stats";
import { BENCH_MARKDOWN_COMMAND } from "../../bench/markdown";
import { BENCH_PLAN_CHILD_COMMAND } from "../../bench/plan-child";
import { BENCH_INGEST_SERVER_COMMAND, ingestServerArgs } from "../../bench/ingest-server";
import { BENCH_CONSUMER_CHILD_COMMAND, consumerChildArgs } from "../../bench/consumer-child";

const REPO = path.resolve(__dirname, "..", "..");
const COMMANDS: CommandSpec[] = [
    PLAN_COMMAND,
    POLICY_COMMAND,
    DIAGRAM_COMMAND,
    ALARMS_DOC_COMMAND,
    BUILD_FUNCTIONS_COMMAND,
    EVENT_TYPES_DOC_COMMAND,
    DESIGN_DOC_COMMAND,
    CAPACITY_COMMAND,
    TRAFFIC_COMMAND,
    RECONCILE_COMMAND,
    RECOMPUTE_COMMAND,
    KEYS_COMMAND,
    ...Object.values(OPS_COMMANDS),
    MAIN_COMMAND,
    BENCH_COMMAND,
    BENCH_MARKDOWN_COMMAND,
    BENCH_PLAN_CHILD_COMMAND,
    BENCH_INGEST_SERVER_COMMAND,
    BENCH_CONSUMER_CHILD_COMMAND,
];

/** The bench children and their files (run as scripts by bench/run.ts's sections). */
const BENCH_CHILDREN: Array<[CommandSpec, string]> = [
    [BENCH_MARKDOWN_COMMAND, "bench/markdown.ts"],
    [BENCH_PLAN_CHILD_COMMAND, "bench/plan-child.ts"],
    [BENCH_INGEST_SERVER_COMMAND, "bench/ingest-server.ts"],
    [BENCH_CONSUMER_CHILD_COMMAND, "bench/consumer-child.ts"],
];

async function run(spec: CommandSpec, argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    let ran = false;
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) };
    const code = await runCommand(
        spec,
        argv,
        () => {
            ran = true;
            return 0;
        },
        io,
    );
    return { code, out, err, ran };
}

describe("commands: one option table each (scripts/lib/cli.ts)", () => {
    for (const spec of COMMANDS) {
        it(`${spec.name}: --help prints the usage built from the table on stdout, exit 0`, async () => {
            const r = await run(spec, ["--help"]);
            expect(r).to.deep.equal({ code: 0, out: [usage(spec)], err: [], ran: false });
            expect(r.out[0].split("\n")[0]).to.match(new RegExp(`^usage: ${spec.invocation.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
            for (const name of Object.keys(spec.options)) expect(r.out[0]).to.contain(`--${name}`);
        });
        it(`${spec.name}: fails when an option is unknown: exit 2, the option named, the usage on stderr`, async () => {
            const r = await run(spec, ["--no-such-option"]);
            const allowed = [...Object.keys(spec.options), "help"].map((n) => `--${n}`).join(", ");
            expect(r).to.deep.equal({ code: 2, out: [], err: [`${spec.name}: unknown option \`--no-such-option\` (allowed: ${allowed})\n\n${usage(spec)}`], ran: false });
        });
    }

    it("fails when a string option has no value, a boolean one gets one, or a value is not allowed", () => {
        expect(() => parseCommand(PLAN_COMMAND, ["--stack"])).to.throw("`--stack` needs a value");
        expect(() => parseCommand(PLAN_COMMAND, ["--stack", "--quiet"])).to.throw(/^`--stack` needs a value \(the next argument is an option/);
        expect(() => parseCommand(PLAN_COMMAND, ["--stack", "dev", "--quiet=yes"])).to.throw("`--quiet` takes no value");
        expect(() => parseCommand(PLAN_COMMAND, [])).to.throw("`--stack` is required");
        expect(() => parseCommand(PLAN_COMMAND, ["--stack", "dev", "extra"])).to.throw('unexpected argument "extra" (this command takes no positional arguments)');
        expect(() => parseCommand(PLAN_COMMAND, ["--stack="])).to.throw("`--stack` needs a value (received an empty string)");
        expect(parseCommand(PLAN_COMMAND, ["-s", "prod", "-q"])).to.deep.equal({ help: false, values: { stack: "prod", quiet: true }, positionals: [] });
    });

    it("npm run ops -- --help prints every command on stdout and exits 0 (spawned)", () => {
        const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", "scripts/ops.ts", "--help"], { cwd: REPO, encoding: "utf8" });
        expect(res.status).to.equal(0);
        expect(res.stdout).to.equal(`${OPS_USAGE}\n`);
        expect(res.stderr).to.not.contain("usage:");
        for (const c of ["replay", "reshard", "shift", "status", "reconcile", "recompute", "keys"]) expect(res.stdout).to.contain(`  ${c} `);
    });

    it("fails when npm run plan gets an unknown option: exit 2, message and usage on stderr (spawned)", () => {
        const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", "scripts/plan.ts", "--stack", "dev", "--colour"], { cwd: REPO, encoding: "utf8" });
        expect(res.status).to.equal(2);
        expect(res.stdout).to.equal("");
        expect(res.stderr).to.equal(`plan: unknown option \`--colour\` (allowed: --stack, --json, --quiet, --help)\n\n${usage(PLAN_COMMAND)}\n`);
    });

    for (const [spec, file] of BENCH_CHILDREN) {
        it(`${file} --help prints its usage on stdout and exits 0 (spawned)`, () => {
            const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", file, "--help"], { cwd: REPO, encoding: "utf8" });
            expect({ status: res.status, stdout: res.stdout, stderr: res.stderr }).to.deep.equal({ status: 0, stdout: `${usage(spec)}\n`, stderr: "" });
        });
        it(`fails when ${file} gets an unknown option: exit 2, message and usage on stderr (spawned)`, () => {
            const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", file, "--fast"], { cwd: REPO, encoding: "utf8" });
            expect({ status: res.status, stdout: res.stdout, stderr: res.stderr }).to.deep.equal({ status: 2, stdout: "", stderr: `${spec.name}: unknown option \`--fast\` (allowed: --help)\n\n${usage(spec)}\n` });
        });
    }

    it("fails when bench/ingest-server.ts gets a bad <mode> or the real or floor server no sink endpoint, naming the argument and the value", () => {
        expect(() => parseCommand(BENCH_INGEST_SERVER_COMMAND, [])).to.throw("missing <mode>: real (functions/ingest/main.ts startService), floor (parse, frames, one put, 202 after it) or bare (fastify alone)");
        expect(() => ingestServerArgs(["fast"])).to.throw('<mode> must be "real", "floor" or "bare" (received "fast")');
        expect(() => ingestServerArgs(["real"])).to.throw("<endpoint>: the real server needs the sink's endpoint, http://127.0.0.1:<port> (received null)");
        expect(() => ingestServerArgs(["floor"])).to.throw("<endpoint>: the floor server needs the sink's endpoint, http://127.0.0.1:<port> (received null)");
        expect(() => ingestServerArgs(["real", "http://example.com:80"])).to.throw('<endpoint>: the real server needs the sink\'s endpoint, http://127.0.0.1:<port> (received "http://example.com:80")');
        expect(ingestServerArgs(["real", "http://127.0.0.1:4567"])).to.deep.equal({ mode: "real", endpoint: "http://127.0.0.1:4567" });
        expect(ingestServerArgs(["floor", "http://127.0.0.1:4567"])).to.deep.equal({ mode: "floor", endpoint: "http://127.0.0.1:4567" });
        expect(ingestServerArgs(["bare", ""])).to.deep.equal({ mode: "bare" });
    });

    it("fails when bench/consumer-child.ts gets a count that is not a whole number of at least 1, naming the argument and the value", () => {
        expect(() => consumerChildArgs(["2000", "x", "300"])).to.throw('<events> must be a whole number of at least 1 (received "x")');
        expect(() => consumerChildArgs(["0", "100", "300"])).to.throw('<corpus> must be a whole number of at least 1 (received "0")');
        expect(() => consumerChildArgs(["2000", "100", "-5"])).to.throw('<ms> must be a whole number of at least 1 (received "-5")');
        expect(consumerChildArgs(["2000", "100", "300"])).to.deep.equal({ corpusEvents: 2000, memoryEvents: 100, minMs: 300 });
    });

    it("fails when bench/ingest-server.ts is run with a bad <mode>: exit 2 with the usage (spawned)", () => {
        const res = spawnSync(process.execPath, ["-r", "./scripts/register.js", "bench/ingest-server.ts", "fast"], { cwd: REPO, encoding: "utf8" });
        expect({ status: res.status, stdout: res.stdout, stderr: res.stderr }).to.deep.equal({
            status: 2,
            stdout: "",
            stderr: `bench ingest-server: <mode> must be "real", "floor" or "bare" (received "fast")\n\n${usage(BENCH_INGEST_SERVER_COMMAND)}\n`,
        });
    });

    it("fails when bench/plan-child.ts gets a second argument, naming it (the stack is its only positional)", () => {
        expect(() => parseCommand(BENCH_PLAN_CHILD_COMMAND, ["prod", "dev"])).to.throw('unexpected argument "dev" (this command takes only <stack>)');
        expect(parseCommand(BENCH_PLAN_CHILD_COMMAND, ["dev"])).to.deep.equal({ help: false, values: {}, positionals: ["dev"] });
    });

    it("fails when recompute gets a window off the hour, naming the option it came from (fieldNames of its table), exit 2", async () => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await recomputeCommand(["--from", "2026-11-22T08:30:00Z", "--to", "2026-11-22T10:00:00Z", "--local"], { out: (l) => out.push(l), err: (l) => err.push(l) });
        expect({ code, out, err }).to.deep.equal({
            code: 2,
            out: [],
            err: ['`--from` must be a whole UTC hour such as "2026-11-22T08:00:00Z" (the lake is partitioned by hour) (received "2026-11-22T08:30:00Z").'],
        });
    });
});
