/**
 * Entry point Pulumi runs for `pulumi preview --policy-pack policies`: builds
 * the PolicyPack (which starts the analyzer gRPC server) from the exported list
 * of rules in ./pack. Tests and the offline runner import ./pack, never this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies, pulumiPolicies } from "./pack";

export { policies };

new PolicyPack(PACK_NAME, {
    description:
        "flightstream platform: tagging, customer-managed encryption, public access, network exposure, trust conditions, TLS-only, secrets handling, API authorization, audit logging, least-privilege IAM and operational guardrails (see RULES.md).",
    enforcementLevel: "advisory",
    policies: pulumiPolicies(),
});
