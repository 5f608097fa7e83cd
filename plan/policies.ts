/**
 * Bridge from the plan to the policy pack's offline runner (policies/offline.ts).
 * Kept here so the plan has one call site while the pack evolves.
 */
import { ProgramResult } from "./engine";
import { Exemption, Violation } from "./report";

export async function runPolicies(result: ProgramResult): Promise<{ violations: Violation[]; exemptions: Exemption[] }> {
    // The pack's offline runner; resolved at run time so the plan works while the pack is absent.
    const modulePath = "../policies/offline";
    let offline: { runPackOffline(r: ProgramResult): Promise<{ violations: Violation[]; exemptions: Exemption[] }> } | undefined;
    try {
        offline = await import(modulePath);
    } catch (e: any) {
        if (e?.code !== "MODULE_NOT_FOUND" || !String(e.message).includes("policies/offline")) throw e;
    }
    if (!offline) return { violations: [], exemptions: [] };
    return offline.runPackOffline(result);
}
