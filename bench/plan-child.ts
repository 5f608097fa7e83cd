/**
 * Child process of the plan benchmark (a fresh process, so module loading is
 * counted as `npm run plan` pays it): evaluates the prod stack under the mock
 * engine, runs the policy pack over it, and sends the phase timings to the
 * parent (or prints them as JSON when run directly).
 *
 *   node -r ./scripts/register.js bench/plan-child.ts [stack]
 */
import { defineCommand, runMain } from "../scripts/lib/cli";

const started = performance.now();

export const BENCH_PLAN_CHILD_COMMAND = defineCommand({
    name: "bench plan-child",
    invocation: "node -r ./scripts/register.js bench/plan-child.ts",
    summary: "Evaluates a stack under the mock engine and runs the policy pack over it; sends the phase timings to the parent (IPC) or prints them as JSON.",
    options: {},
    positionals: [{ name: "stack", description: "the stack to plan (default prod)" }],
});

async function planChild(stack: string): Promise<void> {
    const { planStack } = await import("../plan/stack");
    const { runPolicies } = await import("../plan/policies");
    const loaded = performance.now();
    const result = await planStack(stack);
    const evaluated = performance.now();
    const { violations } = await runPolicies(result);
    const done = performance.now();
    const out = {
        stack,
        resources: result.resources.length,
        violations: violations.length,
        mandatoryViolations: violations.filter((v) => v.level === "mandatory").length,
        loadSeconds: (loaded - started) / 1000,
        evaluateSeconds: (evaluated - loaded) / 1000,
        policySeconds: (done - evaluated) / 1000,
        inProcessSeconds: (done - started) / 1000,
    };
    if (process.send) process.send({ plan: out });
    else process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) {
    runMain(
        BENCH_PLAN_CHILD_COMMAND,
        async (_values, [stack]) => {
            try {
                await planChild(stack ?? "prod");
                return 0;
            } catch (err) {
                // the parent reads the failure from IPC; run directly, runMain prints it (exit 1)
                if (!process.send) throw err;
                process.send({ error: (err as Error).message ?? String(err) });
                return 1;
            }
        },
        1,
    );
}
