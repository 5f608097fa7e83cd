/** The ops CLI: argument checks before anything starts, and start/follow/exit codes with Step Functions mocked. */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { OpsArgsError, parseOpsArgs, planOps, parseWeights } from "../../scripts/ops-args";
import { main } from "../../scripts/ops";

const NOW = new Date("2026-11-22T12:00:00.000Z");
const REPLAY_ARN = "arn:aws:states:eu-west-1:111111111111:stateMachine:prod-replay";
const RESHARD_ARN = "arn:aws:states:eu-west-1:111111111111:stateMachine:prod-reshard";
const SHIFT_ARN = "arn:aws:states:eu-west-1:111111111111:stateMachine:prod-traffic-shift";
const outputs = {
    workflows: {
        replay: { stateMachineArn: REPLAY_ARN, retentionHours: 48, lakeAvailable: true, lakeRetentionDays: 30 },
        reshard: { stateMachineArn: RESHARD_ARN, streamName: "prod-events" },
        trafficShift: { stateMachineArn: SHIFT_ARN, hostedZoneId: "Z0123456789ABC", recordName: "ingest.example.com" },
    },
};

function plan(argv: string[], withOutputs = true) {
    return planOps(parseOpsArgs(argv), { now: NOW, outputs: withOutputs ? outputs : undefined, local: false });
}
function planError(argv: string[], withOutputs = true): string {
    try {
        plan(argv, withOutputs);
    } catch (err) {
        expect(err).to.be.instanceOf(OpsArgsError);
        return (err as Error).message;
    }
    throw new Error("expected an error");
}

describe("ops CLI: arguments", () => {
    it("plans a replay inside retention", () => {
        const p = plan(["replay", "--from", "2026-11-22T08:00:00Z", "--to=2026-11-22T09:00:00Z"]);
        expect(p).to.deep.include({ command: "replay", stateMachineArn: REPLAY_ARN, input: { from: "2026-11-22T08:00:00Z", to: "2026-11-22T09:00:00Z", target: "analytics" } });
        expect((p as any).window.stream).to.deep.equal({ from: "2026-11-22T08:00:00.000Z", to: "2026-11-22T09:00:00.000Z" });
    });

    it("plans a replay reaching beyond retention through the lake", () => {
        const p = plan(["replay", "--from", "2026-11-19T14:00:00Z", "--to", "2026-11-22T00:00:00Z"]) as any;
        expect(p.window.lake).to.deep.equal({ from: "2026-11-19T14:00:00.000Z", to: "2026-11-20T13:05:00.000Z" });
        expect(p.window.stream).to.deep.equal({ from: "2026-11-20T12:05:00.000Z", to: "2026-11-22T00:00:00.000Z" });
    });

    it("fails when the time range is inverted", () => {
        expect(planError(["replay", "--from", "2026-11-22T09:00:00Z", "--to", "2026-11-22T08:00:00Z"])).to.equal("the time range is inverted or empty: `--from` (2026-11-22T09:00:00.000Z) must be before `--to` (2026-11-22T08:00:00.000Z).");
    });

    it("fails when the range is in the future", () => {
        expect(planError(["replay", "--from", "2026-11-23T09:00:00Z", "--to", "2026-11-23T10:00:00Z"])).to.equal(
            "the time range is in the future: `--from` (2026-11-23T09:00:00.000Z) is after now (2026-11-22T12:00:00.000Z); nothing has been written yet.",
        );
    });

    it("fails when the range is beyond retention and the lake", () => {
        expect(planError(["replay", "--from", "2026-09-01T00:00:00Z", "--to", "2026-09-02T00:00:00Z"])).to.equal(
            "`--from` (2026-09-01T00:00:00.000Z) is beyond the stream's 48 h retention and the lake's 30 day retention (oldest replayable: 2026-10-23T12:00:00.000Z).",
        );
    });

    it("fails when the range starts before the processor's memory of counted events (a replay that would double count)", () => {
        // 48 h stream retention: the processor keeps ids 72 h; less 1 h for the replay itself.
        expect(planError(["replay", "--from", "2026-11-19T12:00:00Z", "--to", "2026-11-19T13:00:00Z"])).to.equal(
            "`--from` (2026-11-19T12:00:00.000Z) is older than the processor's 72 h memory of counted events (PROCESSED_EVENTS_RETENTION_HOURS, less 1 h for the replay to run; oldest replayable: 2026-11-19T13:00:00.000Z): replaying it would count its events twice. Rebuild that window's aggregates with `npm run ops -- recompute --from ... --to ...` instead.",
        );
    });

    it("fails when a timestamp is malformed", () => {
        expect(planError(["replay", "--from", "yesterday", "--to", "2026-11-22T08:00:00Z"])).to.equal('`--from` must be an ISO-8601 timestamp with an offset or Z, such as "2026-11-22T10:00:00Z" (received "yesterday").');
    });

    it("plans a reshard; fails for zero shards, both or neither", () => {
        expect(plan(["reshard", "--shards", "64"])).to.deep.equal({ command: "reshard", kind: "reshard", input: { targetShards: 64 }, stateMachineArn: RESHARD_ARN });
        expect(plan(["reshard", "--throughput", "12.5"])).to.deep.include({ input: { throughputMBps: 12.5 } });
        expect(planError(["reshard", "--shards", "0"])).to.equal("`--shards` must be an integer between 1 and 10000 (received 0).");
        expect(planError(["reshard", "--shards", "2.5"])).to.equal('`--shards` must be an integer (received "2.5").');
        expect(planError(["reshard"])).to.equal("`reshard` needs `--shards N` (target shard count) or `--throughput MBps` (peak write MB/s to size for).");
        expect(planError(["reshard", "--shards", "4", "--throughput", "3"])).to.equal("give only one of `--shards` or `--throughput` (received both).");
    });

    it("plans a shift with the zone and record from the outputs", () => {
        const p = plan(["shift", "--weights", "blue=90,green=10", "--soak", "600", "--alarm", "a1", "--alarm", "a2"]) as any;
        expect(p.input).to.deep.equal({ hostedZoneId: "Z0123456789ABC", recordName: "ingest.example.com", weights: { blue: 90, green: 10 }, soakSeconds: 600, alarmNames: ["a1", "a2"] });
        expect(p.stateMachineArn).to.equal(SHIFT_ARN);
        expect(planError(["shift", "--weights", "blue=300"])).to.equal("`--weights` blue must be an integer between 0 and 255 (received 300).");
        expect(() => parseWeights("blue:90")).to.throw('`--weights` must look like blue=90,green=10 (received "blue:90").');
    });

    it("fails for an unknown command or option", () => {
        expect(() => parseOpsArgs(["rewind"])).to.throw(/^unknown command "rewind": expected one of replay, reshard, shift, status, reconcile, recompute, keys\n\nusage: npm run ops -- <command>/);
        expect(() => parseOpsArgs(["reshard", "--shard", "3"])).to.throw(
            /^unknown option `--shard` \(allowed: --shards, --throughput, --outputs, --state-machine-arn, --region, --local, --platform-dir, --no-follow, --json, --help\)\n\nusage: npm run ops -- reshard \(--shards N \| --throughput MBps\) \[options\]/,
        );
        expect(() => parseOpsArgs(["reshard", "--from", "x"])).to.throw(/^unknown option `--from` \(allowed: --shards, /);
        expect(() => parseOpsArgs(["reshard", "--shards"])).to.throw(/^`--shards` needs a value\n\n/);
    });

    it("fails when no state machine can be resolved", () => {
        expect(planError(["reshard", "--shards", "4"], false)).to.equal("give `--outputs FILE` (from `pulumi stack output --json > FILE`) or `--state-machine-arn ARN`, or `--local` to run on the local platform.");
        expect(planError(["reshard", "--shards", "4", "--state-machine-arn", "prod-reshard"], false)).to.match(/^`--state-machine-arn` must be a Step Functions state machine ARN/);
        expect(plan(["reshard", "--shards", "4", "--state-machine-arn", RESHARD_ARN], false)).to.deep.include({ stateMachineArn: RESHARD_ARN });
    });

    it("fails for a status without a valid execution ARN", () => {
        expect(planError(["status"])).to.equal("`status` needs an execution ARN: npm run ops -- status <executionArn>.");
        expect(planError(["status", "abc"])).to.match(/^`status` needs a Step Functions execution ARN/);
    });
});

describe("ops CLI: start, follow, exit code (Step Functions mocked)", () => {
    const sfn = mockClient(SFNClient);
    let dir: string;
    let file: string;
    beforeEach(() => {
        sfn.reset();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-"));
        file = path.join(dir, "outputs.json");
        fs.writeFileSync(file, JSON.stringify(outputs));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    after(() => sfn.restore());

    function io() {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), now: () => NOW, sfn: new SFNClient({ region: "eu-west-1" }), pollMs: 1 } };
    }

    const EXEC = "arn:aws:states:eu-west-1:111111111111:execution:prod-reshard:ops-reshard-20261122120000";

    it("starts the reshard, shows progress, prints the result and the config to reconcile; exit 0", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: NOW });
        sfn.on(GetExecutionHistoryCommand)
            .resolvesOnce({ events: [{ id: 1, type: "TaskStateEntered", timestamp: NOW, stateEnteredEventDetails: { name: "PlanReshard" } }] })
            .resolves({
                events: [
                    { id: 1, type: "TaskStateEntered", timestamp: NOW, stateEnteredEventDetails: { name: "PlanReshard" } },
                    { id: 2, type: "TaskStateEntered", timestamp: NOW, stateEnteredEventDetails: { name: "UpdateShardCount" } },
                ],
            });
        sfn.on(DescribeExecutionCommand)
            .resolvesOnce({ status: "RUNNING", executionArn: EXEC, stateMachineArn: RESHARD_ARN, startDate: NOW })
            .resolves({ status: "SUCCEEDED", executionArn: EXEC, stateMachineArn: RESHARD_ARN, startDate: NOW, output: JSON.stringify({ targetShards: 8, openShards: 8 }) });
        const t = io();
        const code = await main(["reshard", "--shards", "8", "--outputs", file], t.io);
        expect(code).to.equal(0);
        expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).to.deep.equal({ stateMachineArn: RESHARD_ARN, name: "ops-reshard-20261122120000", input: JSON.stringify({ targetShards: 8 }) });
        expect(t.out.filter((l) => l.includes("▸"))).to.deep.equal(["12:00:00  ▸ PlanReshard", "12:00:00  ▸ UpdateShardCount"]);
        expect(t.out).to.include(`SUCCEEDED\n${JSON.stringify({ targetShards: 8, openShards: 8 }, null, 2)}`);
        expect(t.out[t.out.length - 1]).to.match(/pulumi config set --path flightstream:stream\.shards 8/);
    });

    it("exits 1 and prints the error when the execution fails", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXEC, startDate: NOW });
        sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
        sfn.on(DescribeExecutionCommand).resolves({ status: "FAILED", executionArn: EXEC, stateMachineArn: RESHARD_ARN, startDate: NOW, error: "ReshardBudgetExceeded", cause: "needs 2 calls" });
        const t = io();
        expect(await main(["reshard", "--shards", "8", "--outputs", file], t.io)).to.equal(1);
        expect(t.err).to.deep.equal(["FAILED: ReshardBudgetExceeded\nneeds 2 calls"]);
    });

    it("exits 2 with a clear message for bad arguments, without starting anything", async () => {
        const t = io();
        expect(await main(["replay", "--from", "2026-11-22T09:00:00Z", "--to", "2026-11-22T08:00:00Z", "--outputs", file], t.io)).to.equal(2);
        expect(t.err).to.deep.equal(["the time range is inverted or empty: `--from` (2026-11-22T09:00:00.000Z) must be before `--to` (2026-11-22T08:00:00.000Z)."]);
        expect(await main(["reshard", "--shards", "0", "--outputs", file], t.io)).to.equal(2);
        expect(await main(["reshard", "--shards", "3", "--outputs", path.join(dir, "missing.json")], t.io)).to.equal(2);
        expect(t.err[2]).to.match(/^`--outputs`: cannot read ".*missing\.json"/);
        expect(sfn.commandCalls(StartExecutionCommand)).to.have.length(0);
    });

    it("status prints an execution's state", async () => {
        sfn.on(DescribeExecutionCommand).resolves({ status: "SUCCEEDED", executionArn: EXEC, stateMachineArn: RESHARD_ARN, startDate: NOW, output: '{"ok":true}' });
        const t = io();
        expect(await main(["status", EXEC, "--json"], t.io)).to.equal(0);
        expect(JSON.parse(t.out[0])).to.deep.equal({ status: "SUCCEEDED", output: { ok: true } });
    });

    it("fails when --local finds no running platform", async () => {
        const t = io();
        expect(await main(["reshard", "--shards", "3", "--local", "--platform-dir", dir], t.io)).to.equal(1);
        expect(t.err[0]).to.equal(`--local: no running local platform (${path.join(dir, "platform.json")} not found); start it with \`npm start\` first.`);
    });
});
