/**
 * Runs the platform's Step Functions workflows on this machine with
 * aws-local-stepfunctions: the SAME ASL the components deploy (built by
 * functions/workflows/asl), every Task state mapped to the real task code
 * (functions/workflows/dispatch) with dependencies pointing at the local
 * emulators, and Wait states shortened.
 *
 *   const run = await runLocalWorkflow("replay", {from, to}, { deps, waitMs: 0 });
 *   run.status // "SUCCEEDED" | "FAILED"; run.output / run.error + run.cause
 */
import { StateMachine } from "aws-local-stepfunctions";
import { WorkflowDeps, WorkflowKind } from "../functions/workflows/deps";
import { dispatch } from "../functions/workflows/dispatch";
import { AslDefinition, replayDefinition, reshardDefinition, statesOfType, trafficShiftDefinition } from "../functions/workflows/asl";

export const LOCAL_ACCOUNT_ID = "000000000000";
export const LOCAL_REGION = "us-east-1";

/** The task function ARN a local definition names (never called: overridden by state name). */
export function localTaskArn(kind: WorkflowKind): string {
    return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:local-workflow-${kind}`;
}

/** The definition of a workflow as deployed, with the local task ARN. */
export function localDefinition(kind: WorkflowKind): AslDefinition {
    const taskFunctionArn = localTaskArn(kind);
    if (kind === "replay") return replayDefinition({ taskFunctionArn });
    if (kind === "reshard") return reshardDefinition({ taskFunctionArn });
    return trafficShiftDefinition({ taskFunctionArn });
}

export interface LocalRunOptions {
    readonly deps: WorkflowDeps;
    /** Milliseconds every Wait state pauses instead of its Seconds. @default 0 */
    readonly waitMs?: number;
    /** Milliseconds every Retry pauses. @default 0 */
    readonly retryMs?: number;
    /** Called for each execution event (progress display). */
    readonly onEvent?: (event: LocalEvent) => void;
    /** @default - built by {@link localDefinition} */
    readonly definition?: AslDefinition;
}

export interface LocalEvent {
    readonly type: string;
    readonly state?: string;
    readonly index?: number;
    readonly error?: string;
    readonly cause?: string;
}

export interface LocalRunResult {
    readonly status: "SUCCEEDED" | "FAILED";
    readonly output?: unknown;
    readonly error?: string;
    readonly cause?: string;
    /** Names of the states entered, in order (Map iterations interleave). */
    readonly statesEntered: string[];
}

function causeText(cause: unknown): string {
    if (cause === undefined || cause === null) return "";
    if (typeof cause === "string") return cause;
    if (cause instanceof Error) return cause.message;
    try {
        return JSON.stringify(cause);
    } catch {
        return String(cause);
    }
}

// Constructing a StateMachine validates the definition (asl-validator, about
// half a second); executions are independent, so one instance per definition.
const machines = new Map<string, StateMachine>();
function machineFor(definition: AslDefinition): StateMachine {
    const key = JSON.stringify(definition);
    let m = machines.get(key);
    if (!m) {
        m = new StateMachine(definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
        machines.set(key, m);
    }
    return m;
}

/** Runs one execution to its end. */
export async function runLocalWorkflow(kind: WorkflowKind, input: unknown, opts: LocalRunOptions): Promise<LocalRunResult> {
    const definition = opts.definition ?? localDefinition(kind);
    const machine = machineFor(definition);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a task's result is whatever its function returns
    const handlers: Record<string, (input: unknown) => Promise<any>> = {};
    for (const name of statesOfType(definition, "Task")) {
        handlers[name] = async (taskInput: unknown) => {
            const result = await dispatch(taskInput as never, opts.deps, [kind]);
            // Step Functions passes JSON: drop undefined and Dates the way a Lambda response would.
            return JSON.parse(JSON.stringify(result ?? null));
        };
    }
    const waits = Object.fromEntries(statesOfType(definition, "Wait").map((n) => [n, opts.waitMs ?? 0]));
    const retryable = [...statesOfType(definition, "Task"), ...statesOfType(definition, "Map")];
    const retries = Object.fromEntries(retryable.map((n) => [n, opts.retryMs ?? 0]));
    const execution = machine.run(input as never, {
        overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    });
    const statesEntered: string[] = [];
    let failure: { error?: string; cause?: string } | undefined;
    const logs = (async () => {
        for await (const e of execution.eventLogs) {
            const ev = e as { type: string; state?: { name: string }; index?: number; Error?: string; Cause?: unknown };
            if (ev.type === "StateEntered" && ev.state) statesEntered.push(ev.state.name);
            if (ev.type === "ExecutionFailed") failure = { error: ev.Error, cause: causeText(ev.Cause) };
            opts.onEvent?.({ type: ev.type, state: ev.state?.name, index: ev.index, ...(ev.Error ? { error: ev.Error, cause: causeText(ev.Cause) } : {}) });
        }
    })();
    try {
        const output = await execution.result;
        await logs;
        return { status: "SUCCEEDED", output, statesEntered };
    } catch (err) {
        await logs.catch(() => undefined);
        const e = err as Error & { cause?: unknown };
        const inner = e.cause as { name?: string; message?: string; cause?: unknown } | undefined;
        return {
            status: "FAILED",
            error: failure?.error ?? inner?.name ?? e.name,
            cause: failure?.cause || causeText(inner?.cause ?? inner?.message ?? e.message),
            statesEntered,
        };
    }
}

/** Ledger kept in a JSON file (the local platform's reshard budget survives CLI runs). */
export class FileLedger {
    constructor(readonly file: string) {}
    async calls(): Promise<Date[]> {
        const fs = await import("fs");
        if (!fs.existsSync(this.file)) return [];
        const parsed = JSON.parse(fs.readFileSync(this.file, "utf8")) as { calls?: string[] };
        return (parsed.calls ?? []).map((c) => new Date(c));
    }
    async record(at: Date): Promise<void> {
        const fs = await import("fs");
        const kept = (await this.calls()).filter((c) => c.getTime() > at.getTime() - 86_400_000);
        kept.push(at);
        fs.writeFileSync(this.file, JSON.stringify({ calls: kept.map((c) => c.toISOString()) }, null, 2));
    }
}

/**
 * Task dependencies pointing at a running local platform (`npm start`), read
 * from `<dir>/platform.json`: its kinesis-local, its s3rver lake and its
 * stream processor (the AWS handler, with the platform's local Data API).
 */
export async function localPlatformDeps(dir: string): Promise<{ deps: WorkflowDeps; close: () => void }> {
    const fs = await import("fs");
    const path = await import("path");
    const file = path.join(dir, "platform.json");
    if (!fs.existsSync(file)) {
        throw new Error(`--local: no running local platform (${file} not found); start it with \`npm start\` first.`);
    }
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as {
        streamName: string;
        streamArn: string;
        lakeBucket: string;
        env: Record<string, string>;
        endpoints: { kinesis: string; s3: string; dataApi: string };
    };
    const { KinesisClient } = await import("@aws-sdk/client-kinesis");
    const { S3Client } = await import("@aws-sdk/client-s3");
    const { kinesisClientConfig } = await import("./emulators/kinesis");
    const { s3ClientConfig } = await import("./emulators/s3");
    const { dataApiClientConfig } = await import("./dataapi/server");
    const { dataApiFromEnv } = await import("../functions/shared/db/dataapi");
    const { createProcessor } = await import("../functions/processor/handler");
    const kinesis = new KinesisClient(kinesisClientConfig(info.endpoints.kinesis));
    const s3 = new S3Client(s3ClientConfig(info.endpoints.s3));
    const { rulesFromEnv } = await import("../functions/processor/rules");
    // The running platform's processor settings, so a replay counts and alerts exactly as the platform does.
    const rules = rulesFromEnv(info.env);
    const processor = createProcessor({ db: dataApiFromEnv(info.env, dataApiClientConfig(info.endpoints.dataApi)), alertRule: rules.alert, dealRule: rules.deal });
    const deps: WorkflowDeps = {
        settings: { region: LOCAL_REGION, streamName: info.streamName, streamArn: info.streamArn, lakeBucket: info.lakeBucket, targets: ["analytics"] },
        kinesis,
        s3,
        ledger: new FileLedger(path.join(dir, "reshard-ledger.json")),
        deliver: async (_target, event) => {
            const res = await processor.handler(event);
            return { failedSequenceNumbers: (res?.batchItemFailures ?? []).map((f) => f.itemIdentifier) };
        },
    };
    return { deps, close: () => (kinesis.destroy(), s3.destroy()) };
}
