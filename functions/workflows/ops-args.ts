/**
 * The ops CLI's argument handling (pure: no I/O), so every bad argument is
 * refused with a clear message BEFORE anything starts. scripts/ops.ts reads
 * the outputs file and calls these.
 *
 *   replay  --from ISO --to ISO [--target analytics]
 *   reshard --shards N | --throughput MBps
 *   shift   --weights a=90,b=10 | --failover-to ID  [--zone Z...] [--record NAME]
 *           [--soak SECONDS] [--interval SECONDS] [--alarm NAME]...
 *   status  <executionArn>
 * common:  --outputs FILE | --state-machine-arn ARN, --region R, --local,
 *          --no-follow, --json, --platform-dir DIR
 */
import { WorkflowKind } from "./deps";
import { show } from "./errors";
import { DEFAULT_REPLAY_TARGET, planReplayWindow, ReplayPlanWindow } from "./replay-window";
import { reshardTarget } from "./reshard";
import { parseShiftInput, ShiftRequest } from "./traffic";

export class OpsArgsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OpsArgsError";
    }
}

export const COMMANDS = ["replay", "reshard", "shift", "status"] as const;
export type OpsCommandName = (typeof COMMANDS)[number];

export const USAGE = `usage: npm run ops -- <command> [options]
  replay  --from ISO --to ISO [--target analytics]
  reshard --shards N | --throughput MBps
  shift   --weights a=90,b=10 | --failover-to ID [--zone Z...] [--record NAME] [--soak SECONDS] [--interval SECONDS] [--alarm NAME]...
  status  <executionArn>
options: --outputs FILE (pulumi stack output --json) | --state-machine-arn ARN, --region REGION,
         --local (run on the local platform), --no-follow, --json, --platform-dir DIR (default .local)`;

const VALUE_FLAGS = ["from", "to", "target", "shards", "throughput", "weights", "failover-to", "zone", "record", "soak", "interval", "alarm", "outputs", "state-machine-arn", "region", "platform-dir"] as const;
const BOOL_FLAGS = ["local", "no-follow", "json", "help"] as const;
const ALLOWED: Record<OpsCommandName, readonly string[]> = {
    replay: ["from", "to", "target"],
    reshard: ["shards", "throughput"],
    shift: ["weights", "failover-to", "zone", "record", "soak", "interval", "alarm"],
    status: [],
};
const COMMON = ["outputs", "state-machine-arn", "region", "platform-dir", "local", "no-follow", "json", "help"];

export interface ParsedArgs {
    readonly command: OpsCommandName;
    readonly flags: Record<string, string>;
    readonly alarms: string[];
    readonly positional: string[];
    readonly bools: Set<string>;
}

function fail(message: string): never {
    throw new OpsArgsError(message);
}

/** Syntax: command, known flags, values present. */
export function parseOpsArgs(argv: readonly string[]): ParsedArgs {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h") fail(USAGE);
    if (!(COMMANDS as readonly string[]).includes(command)) fail(`unknown command ${show(command)}: expected one of ${COMMANDS.join(", ")}.\n${USAGE}`);
    const cmd = command as OpsCommandName;
    const flags: Record<string, string> = {};
    const alarms: string[] = [];
    const positional: string[] = [];
    const bools = new Set<string>();
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (!arg.startsWith("--")) {
            positional.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
        if ((BOOL_FLAGS as readonly string[]).includes(name)) {
            if (eq >= 0) fail(`\`--${name}\` takes no value (received ${show(arg)}).`);
            bools.add(name);
            continue;
        }
        if (!(VALUE_FLAGS as readonly string[]).includes(name)) fail(`unknown option \`--${name}\` for \`${cmd}\` (allowed: ${[...ALLOWED[cmd], ...COMMON].map((f) => `--${f}`).join(", ")}).`);
        if (!ALLOWED[cmd].includes(name) && !COMMON.includes(name)) fail(`option \`--${name}\` does not apply to \`${cmd}\` (allowed: ${[...ALLOWED[cmd], ...COMMON].map((f) => `--${f}`).join(", ")}).`);
        let value: string | undefined;
        if (eq >= 0) value = arg.slice(eq + 1);
        else if (i + 1 < rest.length && !rest[i + 1].startsWith("--")) value = rest[++i];
        if (value === undefined || value === "") fail(`option \`--${name}\` needs a value.`);
        if (name === "alarm") alarms.push(value);
        else if (flags[name] !== undefined) fail(`option \`--${name}\` given twice (${show(flags[name])} and ${show(value)}).`);
        else flags[name] = value;
    }
    if (cmd !== "status" && positional.length > 0) fail(`unexpected argument ${show(positional[0])} for \`${cmd}\`.`);
    return { command: cmd, flags, alarms, positional, bools };
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

const SFN_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;

function number(flag: string, value: string, integer: boolean): number {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) fail(`\`--${flag}\` must be ${integer ? "an integer" : "a number"} (received ${show(value)}).`);
    return n;
}

function rethrow<T>(fn: () => T, flagOf: (msg: string) => string = (m) => m): T {
    try {
        return fn();
    } catch (err) {
        if (err instanceof OpsArgsError) throw err;
        fail(flagOf((err as Error).message));
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
            const window = rethrow(() => planReplayWindow(input, {
                now: ctx.now,
                retentionHours: limits?.retentionHours ?? 24,
                // Without outputs the lake's presence is unknown: the workflow checks again.
                lakeAvailable: limits?.lakeAvailable ?? true,
                lakeRetentionDays: limits?.lakeRetentionDays,
                processedRetentionHours: limits?.processedRetentionHours,
                targets: [DEFAULT_REPLAY_TARGET],
            }), (m) => m.replace(/`(from|to|target)`/g, "`--$1`"));
            return { command: "replay", kind: "replay", input, window, stateMachineArn: stateMachineArn(parsed, ctx, "replay") };
        }
        case "reshard": {
            const hasShards = f.shards !== undefined;
            const hasThroughput = f.throughput !== undefined;
            if (hasShards === hasThroughput) fail(hasShards ? "give only one of `--shards` or `--throughput` (received both)." : "`reshard` needs `--shards N` (target shard count) or `--throughput MBps` (peak write MB/s to size for).");
            const input = hasShards ? { targetShards: number("shards", f.shards, true) } : { throughputMBps: number("throughput", f.throughput, false) };
            rethrow(() => reshardTarget(input), (m) => m.replace("`targetShards`", "`--shards`").replace("`throughputMBps`", "`--throughput`"));
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
            const request = rethrow(() => parseShiftInput(input), (m) => m
                .replace("`hostedZoneId`", "`--zone`").replace("`recordName`", "`--record`").replace("`soakSeconds`", "`--soak`")
                .replace("`checkIntervalSeconds`", "`--interval`").replace(/`weights\.([^`]+)`/, "`--weights` $1").replace("`alarmNames`", "`--alarm`"));
            return { command: "shift", kind: "shift", input, request, stateMachineArn: stateMachineArn(parsed, ctx, "trafficShift") };
        }
    }
}
