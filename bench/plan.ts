/**
 * Plan time: a fresh Node process evaluates the prod stack under Pulumi's mock
 * engine and runs the policy pack (what `npm run plan -- --stack prod` does,
 * without printing). The figure is the wall time from spawning the process
 * to its answer, so start-up and module loading count. Measured twice: with
 * the on-disk bundle cache off (a fresh clone) and then on (every later run).
 */
import { runChildForMessage } from "./child";

export interface PlanResult {
    readonly stack: string;
    readonly bundleCache: boolean;
    readonly wallSeconds: number;
    readonly loadSeconds: number;
    readonly evaluateSeconds: number;
    readonly policySeconds: number;
    readonly resources: number;
    readonly violations: number;
    readonly mandatoryViolations: number;
}

/**
 * `bundleCache: false` sets FLIGHTSTREAM_BUNDLE_CACHE=0, so every function is
 * bundled with esbuild as on a fresh clone (the run still writes the cache);
 * `true` reads the on-disk bundle cache (node_modules/.cache/flightstream-bundles).
 */
export async function benchPlan(stack: string, opts: { bundleCache: boolean }): Promise<PlanResult> {
    const started = performance.now();
    type Msg = { plan?: Omit<PlanResult, "wallSeconds"> & { inProcessSeconds: number }; error?: string };
    const msg = await runChildForMessage<Msg>("bench/plan-child.ts", [stack], "the plan process", { env: { ...process.env, FLIGHTSTREAM_BUNDLE_CACHE: opts.bundleCache ? "1" : "0" } });
    const wallSeconds = (performance.now() - started) / 1000;
    if (msg.error !== undefined || msg.plan === undefined) throw new Error(`planning ${stack} failed: ${msg.error ?? "no result"}`);
    const p = msg.plan;
    return {
        stack,
        bundleCache: opts.bundleCache,
        wallSeconds,
        loadSeconds: p.loadSeconds,
        evaluateSeconds: p.evaluateSeconds,
        policySeconds: p.policySeconds,
        resources: p.resources,
        violations: p.violations,
        mandatoryViolations: p.mandatoryViolations,
    };
}
