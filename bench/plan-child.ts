/**
 * Child process of the plan benchmark (a fresh process, so module loading is
 * counted as `npm run plan` pays it): evaluates the prod stack under the mock
 * engine, runs the policy pack over it, and sends the phase timings to the
 * parent (or prints them as JSON when run directly).
 *
 *   node -r ./scripts/register.js bench/plan-child.ts [stack]
 */
const started = performance.now();
const stack = process.argv[2] ?? "prod";

async function main(): Promise<void> {
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

main().then(
    () => process.exit(0),
    (err) => {
        const message = (err as Error).message ?? String(err);
        if (process.send) process.send({ error: message });
        else process.stderr.write(`bench plan-child: ${message}\n`);
        process.exit(1);
    },
);
