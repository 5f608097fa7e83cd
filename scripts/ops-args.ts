/**
 * The ops CLI's argument handling (pure: no I/O), so every bad argument is
 * refused with a clear message BEFORE anything starts. scripts/ops.ts reads
 * the outputs file and calls these. Each workflow command is an option table
 * (scripts/lib/cli.ts: parsed by `node:util` `parseArgs`, the usage built
 * from it); an option that fills a field of the workflow's input declares it
 * (`field`), and the workflow's own validators (functions/workflows/*) name
 * the field through that table, so their messages speak of `--shards` here
 * and of `targetShards` in the Lambda.
 *
 *   replay  --from ISO --to ISO [--target analytics]
 *   reshard --shards N | --throughput MBps
 *   shift   --weights a=90,b=10 | --failover-to ID  [--zone Z...] [--record NAME]
 *           [--soak SECONDS] [--interval SECONDS] [--alarm NAME]...
 *   status  <executionArn>
 * common:  --outputs FILE | --state-machine-arn ARN, --region R, --local,
 *          --no-follow, --json, --platform-dir DIR
 */
import { ARN_PATTERNS } from "../functions/shared/arn";
import { WorkflowKind } from "../functions/workflows/deps";
import { show } from "../functions/workflows/errors";
import { DEFAULT_REPLAY_TARGET, planReplayWindow, ReplayPlanWindow } from "../functions/workflows/replay-window";
import { reshardTarget } from "../functions/workflows/reshard";
import { parseShiftInput, ShiftRequest } from "../functions/workflows/traffic";
import { CliUsageError, CommandSpec, defineCommand, fieldNames, numberOption, OptionSpec, parseCommand, synopsis, usage } from "./lib/cli";

export class OpsArgsError extends CliUsageError {
    constructor(message: string) {
        super(message);
        this.name = "OpsArgsError";
    }
}

export const COMMANDS = ["replay", "reshard", "shift", "status"] as const;
export type OpsCommandName = (typeof COMMANDS)[number];

/** Where the state machine is and how to run: every workflow command takes these. */
const COMMON = {
    outputs: { type: "string", value: "FILE", description: "the stack outputs (pulumi stack output --json > FILE): state machine ARNs, zone, record, retention" },
    "state-machine-arn": { type: "string", value: "ARN", description: "the state machine to start (instead of --outputs)" },
    region: { type: "string", value: "REGION", default: "the ARN's region", description: "the Step Functions region" },
    local: { type: "boolean", description: "run on the local platform of `npm start`" },
    "platform-dir": { type: "string", value: "DIR", default: ".local", description: "the local platform's data folder (with --local)" },
    "no-follow": { type: "boolean", description: "start the execution and return without following it" },
    json: { type: "boolean", description: "print the result as JSON" },
} as const satisfies Record<string, OptionSpec>;

/** The workflow commands' option tables. */
export const OPS_COMMANDS = {
    replay: defineCommand({
        name: "ops replay",
        invocation: "npm run ops -- replay",
        summary: "Replays a time range of the stream (the lake beyond retention) into the analytics pipeline.",
        options: {
            from: { type: "string", value: "ISO", required: true, field: "from", description: "the start of the range (ISO-8601 with Z or an offset)" },
            to: { type: "string", value: "ISO", required: true, field: "to", description: "the end of the range" },
            target: { type: "string", value: "NAME", default: DEFAULT_REPLAY_TARGET, field: "target", description: "the pipeline to replay into" },
            ...COMMON,
        },
    }),
    reshard: defineCommand({
        name: "ops reshard",
        invocation: "npm run ops -- reshard",
        synopsis: "(--shards N | --throughput MBps) [options]",
        summary: "Reshards the stream to --shards N, or to the planner's count for --throughput MBps.",
        options: {
            shards: { type: "string", value: "N", field: "targetShards", description: "the target shard count" },
            throughput: { type: "string", value: "MBps", field: "throughputMBps", description: "the peak write MB/s to size for (instead of --shards)" },
            ...COMMON,
        },
    }),
    shift: defineCommand({
        name: "ops shift",
        invocation: "npm run ops -- shift",
        synopsis: "(--weights a=90,b=10 | --failover-to ID) [options]",
        summary: "Shifts ingestion traffic between weighted records or fails over, watching alarms while it soaks.",
        options: {
            weights: { type: "string", value: "a=90,b=10", field: "weights", description: "the new weight of each set identifier" },
            "failover-to": { type: "string", value: "ID", field: "failoverTo", description: "the set identifier to make PRIMARY (instead of --weights)" },
            zone: { type: "string", value: "Z...", field: "hostedZoneId", default: "workflows.trafficShift.hostedZoneId of --outputs", description: "the Route 53 hosted zone" },
            record: { type: "string", value: "NAME", field: "recordName", default: "workflows.trafficShift.recordName of --outputs", description: "the record name" },
            soak: { type: "string", value: "SECONDS", field: "soakSeconds", default: "300", description: "how long to watch the alarms after the shift" },
            interval: { type: "string", value: "SECONDS", field: "checkIntervalSeconds", default: "30", description: "how often to check the alarms" },
            alarm: { type: "string", value: "NAME", multiple: true, field: "alarmNames", description: "an alarm that rolls the shift back" },
            ...COMMON,
        },
    }),
    status: defineCommand({
        name: "ops status",
        invocation: "npm run ops -- status",
        summary: "Prints the state (and the output or error) of one execution.",
        synopsis: "<executionArn> [options]",
        positionals: [{ name: "executionArn", description: "the Step Functions execution ARN (required)" }],
        options: { ...COMMON },
    }),
} satisfies Record<OpsCommandName, CommandSpec>;

/** `npm run ops -- --help`: every command's synopsis (each has its own `--help`). */
export const USAGE = [
    "usage: npm run ops -- <command> [options]   (npm run ops -- <command> --help: that command's options)",
    "",
    ...COMMANDS.map(
        (c) =>
            `  ${synopsis(OPS_COMMANDS[c])
                .replace(/^usage: npm run ops -- /, "")
                .padEnd(40)} ${OPS_COMMANDS[c].summary ?? ""}`,
    ),
    `  ${"reconcile --day YYYY-MM-DD ...".padEnd(40)} compares the stream's counts with the aggregates (scripts/reconcile.ts)`,
    `  ${"recompute --from ISO --to ISO ...".padEnd(40)} rebuilds a window's aggregates (scripts/reconcile.ts)`,
    `  ${"keys issue|list|rotate|revoke ...".padEnd(40)} manages the ingestion keys (scripts/ops-keys.ts)`,
    "",
    "common options of replay, reshard, shift, status:",
    ...usage(defineCommand({ name: "ops", invocation: "", options: { ...COMMON } }))
        .split("\n")
        .slice(2),
].join("\n");

export interface ParsedArgs {
    readonly command: OpsCommandName;
    readonly flags: Record<string, string>;
    readonly alarms: string[];
    readonly positional: string[];
    readonly bools: Set<string>;
    /** `--help` was given: print this (the command's usage, or USAGE) on stdout and exit 0. */
    readonly help?: string;
}

function fail(message: string): never {
    throw new OpsArgsError(message);
}

/** Syntax: command, known options, values present (OpsArgsError naming the option and the value otherwise). */
export function parseOpsArgs(argv: readonly string[]): ParsedArgs {
    const [command, ...rest] = argv;
    const none = { flags: {}, alarms: [], positional: [], bools: new Set<string>() };
    if (command === "--help" || command === "-h") return { command: "status", ...none, help: USAGE };
    if (command === undefined) fail(`give a command: one of ${COMMANDS.join(", ")}, reconcile, recompute, keys\n\n${USAGE}`);
    if (!(COMMANDS as readonly string[]).includes(command)) fail(`unknown command ${show(command)}: expected one of ${COMMANDS.join(", ")}, reconcile, recompute, keys\n\n${USAGE}`);
    const cmd = command as OpsCommandName;
    const spec: CommandSpec = OPS_COMMANDS[cmd];
    let parsed;
    try {
        parsed = parseCommand(spec, rest);
    } catch (err) {
        fail(`${(err as Error).message}\n\n${usage(spec)}`);
    }
    if (parsed.help) return { command: cmd, ...none, help: usage(spec) };
    const flags: Record<string, string> = {};
    const bools = new Set<string>();
    let alarms: string[] = [];
    for (const [name, value] of Object.entries(parsed.values as Record<string, unknown>)) {
        if (value === true) bools.add(name);
        else if (Array.isArray(value)) alarms = value;
        else if (typeof value === "string") flags[name] = value;
    }
    return { command: cmd, flags, alarms, positional: parsed.positionals, bools };
}

/** What `pulumi stack output --json` holds for the workflows (stack/workflows.ts). */
export interface WorkflowOutputs {
    readonly replay?: { stateMachineArn?: string; retentionHours?: number; lakeAvailable?: boolean; lakeRetentionDays?: number; processedRetentionHours?: number };
    readonly reshard?: { stateMachineArn?: string; streamName?: string };
    readonly trafficShift?: { stateMachineArn?: string; hostedZoneId?: string; recordName?: string };
}

export type OpsPlan =
    | { readonly command: "replay"; readonly kind: WorkflowKind; readonly input: { from: string; to: string; target: string }; readonly window: ReplayPlanWindow; readonly stateMachineArn?: string }
    | { readonly command: "reshard"; readonly kind: WorkflowKind; readonly input: { targetShards: number } | { throughputMBps: number }; readonly stateMachineArn?: string }
    | { readonly command: "shift"; readonly kind: WorkflowKind; readonly input: Record<string, unknown>; readonly request: ShiftRequest; readonly stateMachineArn?: string }
    | { readonly command: "status"; readonly executionArn: string };

export interface OpsContext {
    readonly now: Date;
    /** The stack outputs (parsed file), when --outputs was given. */
    readonly outputs?: { workflows?: WorkflowOutputs };
    readonly local: boolean;
}

const SFN_ARN = ARN_PATTERNS.stateMachine;
const EXECUTION_ARN = ARN_PATTERNS.execution;

function number(flag: string, value: string, integer: boolean): number {
    try {
        return numberOption(flag, value, { integer });
    } catch (err) {
        fail(`${(err as Error).message}.`);
    }
}

/** The workflow validators' errors (WorkflowError) as usage errors. */
function rethrow<T>(fn: () => T): T {
    try {
        return fn();
    } catch (err) {
        if (err instanceof OpsArgsError) throw err;
        fail((err as Error).message);
    }
}

/** Parses `a=90,b=10` into {a: 90, b: 10}. */
export function parseWeights(value: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const part of value.split(",")) {
        const m = /^([^=\s]+)=(\d+)$/.exec(part.trim());
        if (!m) fail(`\`--weights\` must look like blue=90,green=10 (received ${show(value)}).`);
        if (out[m[1]] !== undefined) fail(`\`--weights\` names ${show(m[1])} twice (received ${show(value)}).`);
        out[m[1]] = Number(m[2]);
    }
    return out;
}

function stateMachineArn(parsed: ParsedArgs, ctx: OpsContext, key: keyof WorkflowOutputs): string | undefined {
    const flag = parsed.flags["state-machine-arn"];
    if (flag !== undefined) {
        if (!SFN_ARN.test(flag)) fail(`\`--state-machine-arn\` must be a Step Functions state machine ARN such as arn:aws:states:eu-west-1:123456789012:stateMachine:prod-replay (received ${show(flag)}).`);
        return flag;
    }
    const fromOutputs = ctx.outputs?.workflows?.[key]?.stateMachineArn;
    if (fromOutputs !== undefined) return fromOutputs;
    if (ctx.local) return undefined;
    if (ctx.outputs) fail(`the stack outputs have no \`workflows.${key}.stateMachineArn\`; pass \`--state-machine-arn\` or the outputs of a stack that deploys the workflows.`);
    fail("give `--outputs FILE` (from `pulumi stack output --json > FILE`) or `--state-machine-arn ARN`, or `--local` to run on the local platform.");
}

/** Meaning: validates values against each other and the stack, resolves the state machine. */
export function planOps(parsed: ParsedArgs, ctx: OpsContext): OpsPlan {
    const f = parsed.flags;
    switch (parsed.command) {
        case "status": {
            const arn = parsed.positional[0];
            if (arn === undefined) fail("`status` needs an execution ARN: npm run ops -- status <executionArn>.");
            if (parsed.positional.length > 1) fail(`\`status\` takes one execution ARN (received ${parsed.positional.length} arguments).`);
            if (!EXECUTION_ARN.test(arn)) fail(`\`status\` needs a Step Functions execution ARN such as arn:aws:states:eu-west-1:123456789012:execution:prod-replay:ops-replay-1 (received ${show(arn)}).`);
            return { command: "status", executionArn: arn };
        }
        case "replay": {
            if (f.from === undefined) fail("`replay` needs `--from ISO` (the start of the range).");
            if (f.to === undefined) fail("`replay` needs `--to ISO` (the end of the range).");
            const limits = ctx.outputs?.workflows?.replay;
            const input = { from: f.from, to: f.to, target: f.target ?? DEFAULT_REPLAY_TARGET };
            const window = rethrow(() =>
                planReplayWindow(
                    input,
                    {
                        now: ctx.now,
                        retentionHours: limits?.retentionHours ?? 24,
                        // Without outputs the lake's presence is unknown: the workflow checks again.
                        lakeAvailable: limits?.lakeAvailable ?? true,
                        lakeRetentionDays: limits?.lakeRetentionDays,
                        processedRetentionHours: limits?.processedRetentionHours,
                        targets: [DEFAULT_REPLAY_TARGET],
                    },
                    fieldNames(OPS_COMMANDS.replay),
                ),
            );
            return { command: "replay", kind: "replay", input, window, stateMachineArn: stateMachineArn(parsed, ctx, "replay") };
        }
        case "reshard": {
            const hasShards = f.shards !== undefined;
            const hasThroughput = f.throughput !== undefined;
            if (hasShards === hasThroughput) fail(hasShards ? "give only one of `--shards` or `--throughput` (received both)." : "`reshard` needs `--shards N` (target shard count) or `--throughput MBps` (peak write MB/s to size for).");
            const input = hasShards ? { targetShards: number("shards", f.shards, true) } : { throughputMBps: number("throughput", f.throughput, false) };
            rethrow(() => reshardTarget(input, undefined, undefined, fieldNames(OPS_COMMANDS.reshard)));
            return { command: "reshard", kind: "reshard", input, stateMachineArn: stateMachineArn(parsed, ctx, "reshard") };
        }
        case "shift": {
            const outs = ctx.outputs?.workflows?.trafficShift;
            if (f.weights === undefined && f["failover-to"] === undefined) fail("`shift` needs `--weights a=90,b=10` or `--failover-to SET_ID`.");
            if (f.weights !== undefined && f["failover-to"] !== undefined) fail("give only one of `--weights` or `--failover-to` (received both).");
            const input: Record<string, unknown> = {
                hostedZoneId: f.zone ?? outs?.hostedZoneId,
                recordName: f.record ?? outs?.recordName,
                ...(f.weights !== undefined ? { weights: parseWeights(f.weights) } : { failoverTo: f["failover-to"] }),
                ...(f.soak !== undefined ? { soakSeconds: number("soak", f.soak, true) } : {}),
                ...(f.interval !== undefined ? { checkIntervalSeconds: number("interval", f.interval, true) } : {}),
                alarmNames: parsed.alarms,
            };
            if (input.hostedZoneId === undefined) fail("`shift` needs `--zone Z...` (or `--outputs` of a stack with `workflows.trafficShift.hostedZoneId`).");
            if (input.recordName === undefined) fail("`shift` needs `--record NAME` (or `--outputs` of a stack with `workflows.trafficShift.recordName`).");
            const request = rethrow(() => parseShiftInput(input, fieldNames(OPS_COMMANDS.shift)));
            return { command: "shift", kind: "shift", input, request, stateMachineArn: stateMachineArn(parsed, ctx, "trafficShift") };
        }
    }
}
