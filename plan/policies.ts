/**
 * Bridge from the plan to the policy pack's offline runner (policies/offline.ts),
 * loaded on first use so evaluating a program does not load the pack. The
 * stack's pack config (policies/stacks/<stack>.json) sets levels and rule settings.
 */
import { ProgramResult } from "./engine";
import { Exemption, Violation } from "./report";

export async function runPolicies(result: ProgramResult): Promise<{ violations: Violation[]; exemptions: Exemption[]; expiredExemptions: Exemption[] }> {
    const { runPackOffline } = await import("../policies/offline");
    const { stackPolicyConfig } = await import("../policies/stackConfig");
    const { violations, exemptions, expiredExemptions } = await runPackOffline(result, { config: stackPolicyConfig(result.stack) });
    return { violations, exemptions, expiredExemptions };
}
