import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { IDENTITY_POLICY_TYPES, RESOURCE_POLICY_TYPES, actions, identityDocuments, isWildcardAction } from "../../lib/iam";
import { list, parsePolicy, PolicyStatementJson, q, statementLabel } from "../../lib/util";

export const meta = {
    id: "iam-no-wildcard-actions",
    description:
        'Allow statements in IAM (role, inline, managed) and resource policies name actions: no "*", no "service:*", no NotAction. Exception: a KMS key policy statement granting kms:* to the root of the key\'s own account only (the documented key-administration statement).',
    enforcementLevel: "mandatory" as const,
    why: "Least privilege: a service wildcard grants deletes and policy changes nobody asked for, including actions AWS adds later.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-IAM5"],
        checkov: ["CKV_AWS_62", "CKV_AWS_63"],
        pulumiPolicyAws: NONE,
        awsConfig: ["IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS (customer managed policies)", "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS"],
        securityHub: ["IAM.21", "IAM.1"],
    },
};

const ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/**
 * The key-administration statement: an Allow whose only principal is the root of
 * one account, the key's own account when the provider names it (allowedAccountIds).
 */
function isKeyRootAdmin(s: PolicyStatementJson, keyAccount: string | undefined): boolean {
    const aws = s.Principal && typeof s.Principal === "object" ? list(s.Principal.AWS) : [];
    const others = s.Principal && typeof s.Principal === "object" ? Object.keys(s.Principal).filter((k) => k !== "AWS") : ["*"];
    const accounts = new Set(aws.map((p) => ROOT.exec(p)?.[1] ?? (/^\d{12}$/.test(p) ? p : "not-a-root")));
    if (aws.length === 0 || others.length > 0 || accounts.size !== 1 || accounts.has("not-a-root")) return false;
    return keyAccount === undefined || accounts.has(keyAccount);
}

/** The account a resource is deployed to, when its provider pins `allowedAccountIds`. */
function providerAccount(provider: { props: Record<string, any> } | undefined): string | undefined {
    let ids = provider?.props?.allowedAccountIds;
    if (typeof ids === "string") {
        try {
            ids = JSON.parse(ids);
        } catch {
            return undefined;
        }
    }
    return Array.isArray(ids) && ids.length === 1 ? String(ids[0]) : undefined;
}

function checkStatements(label: string, statements: PolicyStatementJson[], keyPolicy: { account: string | undefined } | undefined, reportViolation: (m: string) => void) {
    statements.forEach((s, i) => {
        if (s.Effect !== "Allow") return;
        if (keyPolicy && isKeyRootAdmin(s, keyPolicy.account)) return;
        const where = `${label}${statementLabel(s, i)}`;
        if (s.NotAction !== undefined) {
            reportViolation(`${where} allows NotAction ${list(s.NotAction).map(q).join(", ")} (every other action); list the actions it needs.`);
        }
        const wild = actions(s).filter(isWildcardAction);
        if (wild.length > 0) reportViolation(`${where} allows wildcard action(s) ${wild.map(q).join(", ")}; list the actions it needs.`);
    });
}

export function check(args: ResourceValidationArgs, reportViolation: (m: string) => void): void {
    const t = args.type;
    if (t === "aws:iam/role:Role" || IDENTITY_POLICY_TYPES[t]) {
        for (const d of identityDocuments(t, args.props)) checkStatements(t === "aws:iam/role:Role" ? `${d.label} ` : "", d.statements, undefined, reportViolation);
        return;
    }
    const key = RESOURCE_POLICY_TYPES[t];
    if (!key) args.notApplicable("Policy only applies to IAM policies and resource policies");
    const doc = parsePolicy(args.props[key]);
    const isKey = t === "aws:kms/key:Key" || t === "aws:kms/keyPolicy:KeyPolicy";
    if (doc) checkStatements("", doc.Statement, isKey ? { account: providerAccount(args.provider) } : undefined, reportViolation);
}

export default resourceRule(meta, check);
