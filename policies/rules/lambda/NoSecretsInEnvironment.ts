import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { q } from "../../lib/util";

export const meta = {
    id: "no-secrets-in-environment",
    description:
        "Lambda function environment variables and ECS container environment entries hold no secrets: no name that says password, secret, token, API/access/private key or credential unless its value is a reference (an ARN or an SSM parameter path) or a number or boolean, and no value that looks like an AWS access key id, a private key, a token or a URL with a password.",
    enforcementLevel: "mandatory" as const,
    why: "Environment variables are readable by anyone who can read the function or task definition and are copied into plans, state and logs; secrets belong in Secrets Manager, referenced by ARN (Lambda) or through `secrets` (ECS).",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-ECS2 (any ECS environment variable)"],
        checkov: ["CKV_AWS_45 (Lambda)"],
        pulumiPolicyAws: NONE,
        awsConfig: ["ECS_NO_ENVIRONMENT_SECRETS (ECS, listed names)"],
        securityHub: NONE,
    },
};

/** Names that say the value is a credential. */
const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH_?KEY)/i;
/** Values that cannot be a credential: numbers and booleans (TOKEN_TTL_SECONDS=3600). */
const SETTING = /^(\d+|true|false)$/i;
/** Values that reference a secret instead of holding it. */
const REFERENCE = /^(arn:aws[a-z-]*:[a-z0-9-]+:|\/[A-Za-z0-9_./-]+$)/;
/** Values that are credentials whatever the name. */
const SECRET_VALUES: [RegExp, string][] = [
    [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
    [/\b(ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/, "a GitHub token"],
    [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/, "a JSON Web Token"],
    [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password"],
];

export function findings(vars: [string, unknown][], where: (name: string) => string): string[] {
    const out: string[] = [];
    for (const [name, raw] of vars) {
        const value = typeof raw === "string" ? raw : raw === undefined || raw === null ? "" : JSON.stringify(raw);
        const pattern = SECRET_VALUES.find(([re]) => re.test(value));
        if (pattern) out.push(`${where(name)} holds what looks like ${pattern[1]}; store it in Secrets Manager and pass its ARN.`);
        else if (SECRET_NAME.test(name) && value !== "" && !REFERENCE.test(value) && !SETTING.test(value)) {
            out.push(`${where(name)} is named like a secret and holds a literal value (not an ARN or parameter path); store it in Secrets Manager and pass its ARN.`);
        }
    }
    return out;
}

function containerDefinitions(v: unknown): any[] {
    if (typeof v === "string") {
        try {
            const parsed = JSON.parse(v);
            return Array.isArray(parsed) ? parsed : [];
        } catch {
            return [];
        }
    }
    return Array.isArray(v) ? v : [];
}

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    if (args.type === "aws:lambda/function:Function") {
        const vars = args.props.environment?.variables ?? {};
        for (const m of findings(Object.entries(vars), (n) => `environment variable ${q(n)}`)) reportViolation(m);
        return;
    }
    if (args.type !== "aws:ecs/taskDefinition:TaskDefinition") args.notApplicable("Policy only applies to Lambda functions and ECS task definitions");
    for (const c of containerDefinitions(args.props.containerDefinitions)) {
        const env: [string, unknown][] = (Array.isArray(c?.environment) ? c.environment : []).map((e: any) => [String(e?.name ?? ""), e?.value]);
        for (const m of findings(env, (n) => `container ${q(c?.name ?? "?")} environment ${q(n)}`)) reportViolation(m);
    }
}

export default resourceRule(meta, check);
