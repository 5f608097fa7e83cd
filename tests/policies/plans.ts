/** The dev and prod plans shared by the policy suites (planStack evaluates each once per process). */
import type { ProgramResult } from "../../plan/engine";
import { planStack } from "../../plan/stack";

export function plan(stack: "dev" | "prod"): Promise<ProgramResult> {
    return planStack(stack);
}
