import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NO_PUBLIC_RULE_SETS } from "../../lib/rule";
import { awsPrincipals, CROSS_ACCOUNT_KEYS, principalAccount, quoted, unconditionedGrants } from "../../lib/conditions";
import { parseMaybeJson } from "../../../functions/shared/json";
import { list, parsePolicy, PolicyStatementJson } from "../../lib/util";

export const meta = {
    id: "iam-cross-account-trust-condition",
    description:
        "Role trust policies that let principals of another account assume the role (an account id, its root or any of its roles/users) carry an sts:ExternalId or aws:PrincipalOrgID condition. The role's own account is the provider's allowedAccountIds.",
    enforcementLevel: "mandatory" as const,
    why: "Trusting another account hands the decision to whoever administers it; ExternalId ties the trust to the one integration we agreed on, PrincipalOrgID to our organization.",
    publicRuleSets: NO_PUBLIC_RULE_SETS,
};

/** The provider's allowedAccountIds (a JSON list, or a single id). */
function ownAccounts(provider: { props?: Record<string, any> } | undefined): string[] {
    return list(parseMaybeJson(provider?.props?.allowedAccountIds));
}

export const check = validateResourceOfType(aws.iam.Role, (role, args, reportViolation) => {
    const own = ownAccounts(args.provider);
    const otherAccounts = (s: PolicyStatementJson) => [
        ...new Set(
            awsPrincipals(s)
                .map(principalAccount)
                .filter((a): a is string => a !== undefined && !own.includes(a)),
        ),
    ];
    const ownText = own.length > 0 ? `this role's account ${own.join(", ")}` : "this role's account (the provider pins no allowedAccountIds)";
    for (const g of unconditionedGrants(parsePolicy(role.assumeRolePolicy), otherAccounts, () => CROSS_ACCOUNT_KEYS)) {
        reportViolation(`assumeRolePolicy ${g.label} trusts account(s) ${quoted(g.principals)} (other than ${ownText}) without an sts:ExternalId or aws:PrincipalOrgID condition; add one.`);
    }
});

export default resourceRule(meta, check);
