/**
 * Plan time: a fresh Node process evaluates the prod stack under Pulumi's mock
 * engine and runs the policy pack (what `npm run plan -- --stack prod` does,
 * without printing). The figure is the wall time from spawning the process
 * to its answer, so start-up and module loading count.
 */
import { fork } from "child_process";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");

export interface PlanResult {
  readonly stack: string;
  readonly wallSeconds: number;
  readonly loadSeconds: number;
  readonly evaluateSeconds: number;
  readonly policySeconds: number;
  readonly resources: number;
  readonly violations: number;
  readonly mandatoryViolations: number;
}

export async function benchPlan(stack: string): Promise<PlanResult> {
  const started = performance.now();
  const child = fork(path.join(REPO, "bench/plan-child.ts"), [stack], {
    cwd: REPO,
    execArgv: ["-r", path.join(REPO, "scripts/register.js")],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  type Msg = { plan?: Omit<PlanResult, "wallSeconds"> & { inProcessSeconds: number }; error?: string };
  const msg = await new Promise<Msg>((resolve, reject) => {
    let got: Msg | undefined;
    child.on("message", (m: Msg) => (got = m));
    child.once("exit", (code) => (got ? resolve(got) : reject(new Error(`the plan process exited with code ${code} without a result`))));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (msg.error !== undefined || msg.plan === undefined) throw new Error(`planning ${stack} failed: ${msg.error ?? "no result"}`);
  const p = msg.plan;
  return {
    stack,
    wallSeconds,
    loadSeconds: p.loadSeconds,
    evaluateSeconds: p.evaluateSeconds,
    policySeconds: p.policySeconds,
    resources: p.resources,
    violations: p.violations,
    mandatoryViolations: p.mandatoryViolations,
  };
}
