/**
 * Test helpers over the offline plan engine: evaluate a snippet of Pulumi code
 * under mocks and look at exactly what it registered.
 *
 *   const r = await evaluate(() => { const p = testProvider(); new MyComponent("x", {...}, { provider: p }); });
 *   const stream = one(r, "aws:kinesis/stream:Stream");
 */
import * as aws from "@pulumi/aws";
import { PlannedResource, ProgramResult, evaluateProgram } from "../../plan/engine";

export { PlannedResource, ProgramResult };

export interface EvaluateOptions {
    readonly stack?: string;
    readonly project?: string;
    readonly config?: Record<string, unknown>;
    /** Outputs of stacks read through StackReference, by stack name. @default {} */
    readonly stackReferences?: Record<string, Record<string, unknown>>;
}

/** Runs `fn` under Pulumi mocks and returns every registered resource. */
export function evaluate(fn: () => unknown, opts: EvaluateOptions = {}): Promise<ProgramResult> {
    return evaluateProgram(fn, { project: opts.project ?? "flightstream", stack: opts.stack ?? "test", config: opts.config ?? {}, ...(opts.stackReferences ? { stackReferences: opts.stackReferences } : {}) });
}

/** Runs `fn` under mocks and returns the error it (or any resource it created) threw. */
export async function evaluateError(fn: () => unknown, opts: EvaluateOptions = {}): Promise<Error> {
    try {
        await evaluate(fn, opts);
    } catch (e) {
        return e as Error;
    }
    throw new Error("expected the program to fail, but it succeeded");
}

/** An aws.Provider for a test account (call inside `evaluate`). */
export function testProvider(
    name = "test",
    accountId = "111111111111",
    region = "eu-west-1",
    tags: Record<string, string> = { Project: "flightstream", Environment: "test", Owner: "tests", CostCenter: "CC-0", DataClassification: "internal", Account: name },
): aws.Provider {
    return new aws.Provider(name, { region: region as aws.Region, allowedAccountIds: [accountId], defaultTags: { tags } });
}

/** All resources of a type (optionally whose name matches). */
export function all(r: ProgramResult, type: string, name?: string | RegExp): PlannedResource[] {
    return r.resources.filter((x) => x.type === type && (name === undefined || (typeof name === "string" ? x.name === name : name.test(x.name))));
}

/** Exactly one resource of a type (optionally named); throws with the candidates otherwise. */
export function one(r: ProgramResult, type: string, name?: string | RegExp): PlannedResource {
    const found = all(r, type, name);
    if (found.length !== 1) {
        throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((f) => f.name).join(", ")}`);
    }
    return found[0];
}

/** Parses a JSON policy input (string) into an object. */
export function policyOf(res: PlannedResource, key = "policy"): { Version: string; Statement: any[] } {
    const v = res.inputs[key];
    return typeof v === "string" ? JSON.parse(v) : v;
}
