/** Evaluates this repository's stack program for a named stack under mocks. */
import { ProgramResult, evaluateProgram, readProjectName, readStackConfigFile } from "./engine";

export interface StackPlanOptions {
    /** Replace or add config keys (`flightstream:stream` → object) on top of Pulumi.<stack>.yaml. */
    readonly configOverrides?: Record<string, unknown>;
    /** Use this config instead of the stack file. */
    readonly config?: Record<string, unknown>;
}

export async function planStack(stack: string, opts: StackPlanOptions = {}): Promise<ProgramResult> {
    const config = { ...(opts.config ?? readStackConfigFile(stack)), ...(opts.configOverrides ?? {}) };
    // Imported lazily so config errors surface from inside the evaluation.
    const { program } = await import("../stack/program");
    return evaluateProgram(program, { project: readProjectName(), stack, config });
}
