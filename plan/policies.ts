/**
 * Bridge from the plan to the policy pack's offline runner (policies/offline.ts),
 * loaded on first use so evaluating a program does not load the pack.
 */
import { ProgramResult } from "./engine";
import { Exemption, Violation } from "./report";

export async function runPolicies(result: ProgramResult): Promise<{ violations: Violation[]; exemptions: Exemption[] }> {
    const { runPackOffline } = await import("../policies/offline");
    const { violations, exemptions } = await runPackOffline(result);
    return { violations, exemptions };
}
