/** Evaluates this repository's stack program for a named stack under mocks. */
import { ProgramResult, evaluateProgram, readProjectName, readStackConfigFile } from "./engine";

export interface StackPlanOptions {
    /** Replace or add config keys (`flightstream:stream` → object) on top of Pulumi.<stack>.yaml. */
    readonly configOverrides?: Record<string, unknown>;
    /** Use this config instead of the stack file. */
    readonly config?: Record<string, unknown>;
    /** Re-evaluate even when this process already planned the stack file unchanged. @default false */
    readonly fresh?: boolean;
}

/** Plans of unmodified stack files, evaluated once per process (the program is deterministic). */
const cache = new Map<string, Promise<ProgramResult>>();
/** Evaluations run one at a time (the mock engine is process-global). */
let chain: Promise<unknown> = Promise.resolve();

export function planStack(stack: string, opts: StackPlanOptions = {}): Promise<ProgramResult> {
    const cacheable = opts.config === undefined && opts.configOverrides === undefined;
    if (cacheable && !opts.fresh && cache.has(stack)) return cache.get(stack)!;
    const run = chain.then(async () => {
        const config = { ...(opts.config ?? readStackConfigFile(stack)), ...(opts.configOverrides ?? {}) };
        // Imported lazily so config errors surface from inside the evaluation.
        const { program } = await import("../stack/program");
        return evaluateProgram(program, { project: readProjectName(), stack, config });
    });
    chain = run.catch(() => undefined);
    if (cacheable) {
        cache.set(stack, run);
        run.catch(() => cache.delete(stack));
    }
    return run;
}
