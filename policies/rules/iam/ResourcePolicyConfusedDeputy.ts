import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NO_PUBLIC_RULE_SETS } from "../../lib/rule";
import { RESOURCE_POLICY_TYPES } from "../../lib/iam";
import { CONFUSED_DEPUTY_KEYS, LOGS_KMS_CONTEXT_KEY, quoted, servicePrincipals, unconditionedGrants } from "../../lib/conditions";
import { parsePolicy } from "../../lib/util";

export const meta = {
    id: "resource-policy-service-confused-deputy",
    description:
        "Allow statements of bucket, key, topic, queue, stream, secret and ECR repository policies that grant a service principal carry aws:SourceAccount, aws:SourceArn, aws:SourceOrgID or aws:SourceOrgPaths (in key policies granting CloudWatch Logs, kms:EncryptionContext:aws:logs:arn also counts); Lambda permissions for a service set sourceAccount or sourceArn.",
    enforcementLevel: "mandatory" as const,
    why: "A service principal is shared by every AWS customer; without a source condition another account's bucket, alarm or API can use the service to write to or invoke our resource.",
    publicRuleSets: NO_PUBLIC_RULE_SETS,
};

const TYPES: Record<string, string> = { ...RESOURCE_POLICY_TYPES, "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy" };
delete TYPES["aws:iam/role:Role"];

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (args.type === "aws:lambda/permission:Permission") {
        const principal = String(args.props.principal ?? "");
        if (principal.endsWith(".amazonaws.com") && !args.props.sourceArn && !args.props.sourceAccount) {
            reportViolation(`principal is the service ${JSON.stringify(principal)} and neither sourceArn nor sourceAccount is set; name the API, bucket or rule allowed to invoke.`);
        }
        return;
    }
    const key = TYPES[args.type];
    if (!key) args.notApplicable("Policy only applies to resource policies and Lambda permissions");
    const doc = parsePolicy(args.props[key]);
    if (!doc) return;
    const isKey = args.type === "aws:kms/key:Key" || args.type === "aws:kms/keyPolicy:KeyPolicy";
    const keysFor = (services: string[]) => (isKey && services.every((x) => /^logs\.[a-z0-9-]+\.amazonaws\.com$/.test(x)) ? [...CONFUSED_DEPUTY_KEYS, LOGS_KMS_CONTEXT_KEY] : CONFUSED_DEPUTY_KEYS);
    for (const g of unconditionedGrants(doc, servicePrincipals, keysFor)) {
        reportViolation(`${g.label} grants service(s) ${quoted(g.principals)} without an aws:SourceAccount or aws:SourceArn condition; name the account (or resource) the service acts for.`);
    }
}

export default resourceRule(meta, check);
