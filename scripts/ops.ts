/**
 * The ops CLI: starts and follows the platform's Step Functions workflows.
 *
 *   npm run ops -- replay --from 2026-11-22T08:00:00Z --to 2026-11-22T09:00:00Z --outputs prod.json
 *   npm run ops -- reshard --shards 128 --outputs prod.json
 *   npm run ops -- shift --weights blue=90,green=10 --soak 600 --alarm prod-ingestion-target-5xx --outputs prod.json
 *   npm run ops -- status arn:aws:states:...:execution:prod-replay:ops-replay-...
 *   npm run ops -- replay --from ... --to ... --local      (the local platform of `npm start`)
 *   npm run ops -- reconcile --day 2026-11-22 --outputs prod.json | --local   (scripts/reconcile.ts)
 *   npm run ops -- recompute --from 2026-11-22T08:00:00Z --to 2026-11-22T10:00:00Z --outputs prod.json | --local
 *   npm run ops -- keys issue|list|rotate|revoke --source S ... (ingestion keys: scripts/ops-keys.ts)
 *
 * Arguments are validated (scripts/ops-args.ts: option tables parsed by
 * scripts/lib/cli.ts) before anything starts; `--help` (of ops or of a
 * command) prints the usage on stdout, exit 0; the exit code is 0 on success,
 * 1 when the execution failed, 2 for bad arguments (with the usage).
 */
import * as fs from "fs";
import * as path from "path";
import { DescribeExecutionCommand, DescribeExecutionCommandOutput, GetExecutionHistoryCommand, HistoryEvent, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { OpsArgsError, OpsPlan, parseOpsArgs, planOps } from "./ops-args";
import { keysMain } from "./ops-keys";

type Out = (line: string) => void;

export interface OpsIo {
    readonly out: Out;
    readonly err: Out;
    readonly now?: () => Date;
    readonly sfn?: SFNClient;
    /** Poll interval while following, ms. @default 2000 */
    readonly pollMs?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped `pulumi stack output --json`
function readOutputs(file: string): { workflows?: Record<string, any> } {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new OpsArgsError(`\`--outputs\`: cannot read ${JSON.stringify(file)} (${(err as Error).message}). Create it with \`pulumi stack output --json > ${file}\`.`);
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new OpsArgsError(`\`--outputs\`: ${JSON.stringify(file)} is not JSON; create it with \`pulumi stack output --json > ${file}\`.`);
    }
}

function describeEvent(e: HistoryEvent): string | undefined {
    const t = e.timestamp ? e.timestamp.toISOString().slice(11, 19) : "";
    switch (e.type) {
        case "TaskStateEntered":
        case "ChoiceStateEntered":
        case "WaitStateEntered":
        case "MapStateEntered":
        case "PassStateEntered":
        case "FailStateEntered":
        case "SucceedStateEntered":
            return `${t}  ▸ ${e.stateEnteredEventDetails?.name}`;
        case "MapIterationSucceeded":
            return `${t}    ✓ item ${e.mapIterationSucceededEventDetails?.index}`;
        case "MapIterationFailed":
            return `${t}    ✗ item ${e.mapIterationFailedEventDetails?.index}`;
        case "LambdaFunctionFailed":
            return `${t}    ✗ ${e.lambdaFunctionFailedEventDetails?.error}: ${e.lambdaFunctionFailedEventDetails?.cause}`;
        case "TaskFailed":
            return `${t}    ✗ ${e.taskFailedEventDetails?.error}: ${e.taskFailedEventDetails?.cause}`;
        default:
            return undefined;
    }
}

/** Polls DescribeExecution and the history until the execution ends; prints progress. */
export async function follow(sfn: SFNClient, executionArn: string, io: OpsIo, watch = true): Promise<DescribeExecutionCommandOutput> {
    let token: string | undefined;
    let seen = 0;
    for (;;) {
        if (watch) {
            do {
                const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: token, maxResults: 200 }));
                for (const e of h.events ?? []) {
                    if ((e.id ?? 0) <= seen) continue;
                    seen = e.id ?? seen;
                    const line = describeEvent(e);
                    if (line) io.out(line);
                }
                token = h.nextToken;
            } while (token);
        }
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (d.status !== "RUNNING" && d.status !== "PENDING_REDRIVE") return d;
        if (!watch) return d;
        await new Promise((r) => setTimeout(r, io.pollMs ?? 2000));
    }
}

function report(io: OpsIo, status: string, output: unknown, error?: string, cause?: string, json = false): number {
    if (json) {
        io.out(JSON.stringify({ status, ...(output !== undefined ? { output } : {}), ...(error ? { error, cause } : {}) }, null, 2));
    } else if (status === "SUCCEEDED") {
        io.out(`SUCCEEDED\n${JSON.stringify(output, null, 2)}`);
    } else {
        io.err(`${status}: ${error ?? ""}${cause ? `\n${cause}` : ""}`);
    }
    return status === "SUCCEEDED" ? 0 : 1;
}

async function runLocal(plan: Exclude<OpsPlan, { command: "status" }>, platformDir: string, io: OpsIo, json: boolean): Promise<number> {
    if (plan.command === "shift") {
        throw new OpsArgsError("`shift --local`: Route 53 has no local emulator; the traffic-shift logic runs locally only in tests (tests/workflows/traffic-shift.test.ts, Route 53 mocked).");
    }
    const { localPlatformDeps } = await import("../local/workflows");
    const { runLocalWorkflow } = await import("../local/workflows");
    const { deps, close } = await localPlatformDeps(platformDir);
    try {
        io.out(`local ${plan.command}: ${JSON.stringify(plan.input)}`);
        const run = await runLocalWorkflow(plan.kind, plan.input, {
            deps,
            waitMs: 500,
            onEvent: (e) => {
                if (e.type === "StateEntered") io.out(`  ▸ ${e.state}${e.index !== undefined ? ` [${e.index}]` : ""}`);
            },
        });
        return report(io, run.status, run.output, run.error, run.cause, json);
    } finally {
        close();
    }
}

export async function main(argv: readonly string[], io: OpsIo): Promise<number> {
    // Subcommands that talk to the data stores directly (not a workflow): their own parseArgs.
    if (argv[0] === "reconcile") return (await import("./reconcile")).reconcileCommand(argv.slice(1), io);
    if (argv[0] === "recompute") return (await import("./reconcile")).recomputeCommand(argv.slice(1), io);
    if (argv[0] === "keys") return keysMain(argv.slice(1), { out: io.out, err: io.err, now: io.now });
    let plan: OpsPlan;
    const parsed = (() => {
        try {
            return parseOpsArgs(argv);
        } catch (err) {
            return err as Error;
        }
    })();
    if (parsed instanceof Error) {
        io.err(`ops: ${parsed.message}`);
        return 2;
    }
    if (parsed.help !== undefined) {
        io.out(parsed.help);
        return 0;
    }
    const json = parsed.bools.has("json");
    const local = parsed.bools.has("local");
    try {
        const outputs = parsed.flags.outputs !== undefined ? readOutputs(parsed.flags.outputs) : undefined;
        plan = planOps(parsed, { now: (io.now ?? (() => new Date()))(), outputs, local });
    } catch (err) {
        io.err((err as Error).message);
        return 2;
    }
    if (plan.command !== "status" && local) {
        try {
            return await runLocal(plan, parsed.flags["platform-dir"] ?? path.join(__dirname, "..", ".local"), io, json);
        } catch (err) {
            io.err((err as Error).message);
            return err instanceof OpsArgsError ? 2 : 1;
        }
    }
    const region = parsed.flags.region ?? (plan.command === "status" ? plan.executionArn : plan.stateMachineArn)!.split(":")[3];
    const sfn = io.sfn ?? new SFNClient({ region });
    if (plan.command === "status") {
        const d = await follow(sfn, plan.executionArn, io, false);
        return report(io, d.status ?? "UNKNOWN", d.output ? JSON.parse(d.output) : undefined, d.error, d.cause, json);
    }
    if (plan.command === "replay") {
        const w = plan.window;
        io.out(`replay ${w.from} → ${w.to} to "${w.target}"${w.stream ? `; stream ${w.stream.from} → ${w.stream.to}` : ""}${w.lake ? `; lake ${w.lake.from} → ${w.lake.to}` : ""}`);
    }
    const name = `ops-${plan.command}-${(io.now ?? (() => new Date()))()
        .toISOString()
        .replace(/[^0-9]/g, "")
        .slice(0, 14)}`;
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: plan.stateMachineArn!, name, input: JSON.stringify(plan.input) }));
    io.out(`started ${started.executionArn}`);
    const d = await follow(sfn, started.executionArn!, io, !parsed.bools.has("no-follow"));
    if (d.status === "RUNNING") {
        io.out(`RUNNING (follow with: npm run ops -- status ${started.executionArn})`);
        return 0;
    }
    const code = report(io, d.status ?? "UNKNOWN", d.output ? JSON.parse(d.output) : undefined, d.error, d.cause, json);
    if (plan.command === "reshard" && d.status === "SUCCEEDED") {
        const out = d.output ? JSON.parse(d.output) : {};
        io.out(`\nReconcile the stack: pulumi config set --path flightstream:stream.shards ${out.openShards ?? out.targetShards} (or the next \`pulumi up\` sets the count back; see docs/workflows.md).`);
    }
    return code;
}

if (require.main === module) {
    main(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
        (code) => process.exit(code),
        (err) => {
            console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
            process.exit(1);
        },
    );
}
