import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { awsPrincipals, CROSS_ACCOUNT_KEYS, hasAnyConditionKey, principalAccount, quoted } from "../../lib/conditions";
import { list, parsePolicy, statementLabel } from "../../lib/util";

export const meta = {
    id: "iam-cross-account-trust-condition",
    description: "Role trust policies that let principals of another account assume the role (an account id, its root or any of its roles/users) carry an sts:ExternalId or aws:PrincipalOrgID condition. The role's own account is the provider's allowedAccountIds.",
    enforcementLevel: "mandatory" as const,
    why: "Trusting another account hands the decision to whoever administers it; ExternalId ties the trust to the one integration we agreed on, PrincipalOrgID to our organization.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: NONE,
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: NONE,
    },
};

function ownAccounts(provider: { props?: Record<string, any> } | undefined): string[] {
    let v: unknown = provider?.props?.allowedAccountIds;
    if (typeof v === "string") {
        try {
            v = JSON.parse(v);
        } catch {
            /* a single id */
        }
    }
    return list(v);
}

export const check = validateResourceOfType(aws.iam.Role, (role, args, reportViolation) => {
    const doc = parsePolicy(role.assumeRolePolicy);
    if (!doc) return;
    const own = ownAccounts(args.provider);
    doc.Statement.forEach((s, i) => {
        if (s.Effect !== "Allow") return;
        const others = [...new Set(awsPrincipals(s).map(principalAccount).filter((a): a is string => a !== undefined && !own.includes(a)))];
        if (others.length === 0 || hasAnyConditionKey(s, CROSS_ACCOUNT_KEYS)) return;
        const ownText = own.length > 0 ? `this role's account ${own.join(", ")}` : "this role's account (the provider pins no allowedAccountIds)";
        reportViolation(`assumeRolePolicy ${statementLabel(s, i)} trusts account(s) ${quoted(others)} (other than ${ownText}) without an sts:ExternalId or aws:PrincipalOrgID condition; add one.`);
    });
});

export default resourceRule(meta, check);
