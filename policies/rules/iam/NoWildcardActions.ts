import { ResourceValidationArgs } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { IDENTITY_POLICY_TYPES, RESOURCE_POLICY_TYPES, actions, identityDocuments, isWildcardAction } from "../../lib/iam";
import { list, parsePolicy, PolicyStatementJson, q, statementLabel } from "../../lib/util";

export const meta = {
    id: "iam-no-wildcard-actions",
    description: "Allow statements in IAM (role, inline, managed) and resource policies name actions: no \"*\", no \"service:*\", no NotAction. Exception: a KMS key policy statement granting the key's own account root kms:* (the documented key-administration statement).",
    enforcementLevel: "mandatory" as const,
    why: "Least privilege: a service wildcard grants deletes and policy changes nobody asked for, including actions AWS adds later.",
    publicRuleSets: {
        cdkNag: ["AwsSolutions-IAM5"],
        pulumiPolicyAws: NONE,
        awsConfig: ["IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS (customer managed policies)", "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS"],
        securityHub: ["IAM.21", "IAM.1"],
    },
};


const ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;

/** The key-administration statement: Allow, principals only account roots, on a key policy. */
function isKeyRootAdmin(s: PolicyStatementJson): boolean {
    const aws = s.Principal && typeof s.Principal === "object" ? list(s.Principal.AWS) : [];
    const others = s.Principal && typeof s.Principal === "object" ? Object.keys(s.Principal).filter((k) => k !== "AWS") : ["*"];
    return aws.length > 0 && others.length === 0 && aws.every((p) => ROOT.test(p) || /^\d{12}$/.test(p));
}

function checkStatements(label: string, statements: PolicyStatementJson[], isKeyPolicy: boolean, reportViolation: (m: string) => void) {
    statements.forEach((s, i) => {
        if (s.Effect !== "Allow") return;
        if (isKeyPolicy && isKeyRootAdmin(s)) return;
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
        for (const d of identityDocuments(t, args.props)) checkStatements(t === "aws:iam/role:Role" ? `${d.label} ` : "", d.statements, false, reportViolation);
        return;
    }
    const key = RESOURCE_POLICY_TYPES[t];
    if (!key) args.notApplicable("Policy only applies to IAM policies and resource policies");
    const doc = parsePolicy(args.props[key]);
    if (doc) checkStatements("", doc.Statement, t === "aws:kms/key:Key" || t === "aws:kms/keyPolicy:KeyPolicy", reportViolation);
}

export default resourceRule(meta, check);
