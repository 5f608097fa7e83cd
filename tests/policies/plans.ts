/** The dev and prod plans, evaluated once per test process and shared by the policy suites. */
import type { ProgramResult } from "../../plan/engine";
import { planStack } from "../../plan/stack";

const cache = new Map<string, Promise<ProgramResult>>();

/** Evaluations run one at a time (plan/engine allows one per process). */
let chain: Promise<unknown> = Promise.resolve();

export function plan(stack: "dev" | "prod"): Promise<ProgramResult> {
    if (!cache.has(stack)) {
        const p = chain.then(() => planStack(stack));
        chain = p.catch(() => undefined);
        cache.set(stack, p);
    }
    return cache.get(stack)!;
}
