import type { StackValidationArgs } from "@pulumi/policy";
import { stackRule, NONE } from "../../lib/rule";
import { identities, q, referencing } from "../../lib/util";

export const meta = {
    id: "secret-rotation",
    description: "Every Secrets Manager secret has an aws.secretsmanager.SecretRotation whose secretId names it (RDS-managed master user secrets rotate by themselves and are not Secret resources).",
    enforcementLevel: "mandatory" as const,
    why: "A credential that never rotates stays valid for whoever copied it once; scheduled rotation bounds that exposure.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-SMG4"],
        checkov: ["CKV2_AWS_57"],
        pulumiPolicyAws: NONE,
        awsConfig: ["SECRETSMANAGER_ROTATION_ENABLED_CHECK"],
        securityHub: ["SecretsManager.1"],
    },
};

const SECRET = "aws:secretsmanager/secret:Secret";
const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";

export function check(args: StackValidationArgs, reportViolation: (m: string, urn?: string) => void): void {
    const secrets = args.resources.filter((r) => r.type === SECRET);
    if (secrets.length === 0) args.notApplicable("The stack has no Secrets Manager secrets");
    for (const s of secrets) {
        if (referencing(args.resources, [ROTATION], "secretId", s, ["arn", "id", "name"]).length === 0) {
            reportViolation(`Secret ${q(identities(s, ["name"])[0] ?? s.name)} has no rotation; add an aws.secretsmanager.SecretRotation with its ARN and a schedule.`, s.urn);
        }
    }
}

export default stackRule(meta, check);
