/** Reading principals and condition keys out of policy statements (confused deputy, cross-account trust, TLS-only). */
import { list, principalIsPublic, PolicyStatementJson, statementLabel } from "./util";
import { principalAccount } from "../../functions/shared/arn";

/** Global condition keys that tie a service principal to the account or resource it acts for. */
export const CONFUSED_DEPUTY_KEYS = ["aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths"];

/**
 * CloudWatch Logs' documented guard in KMS key policies: the encryption context
 * names the log group(s) allowed, the `aws:SourceArn` of that service.
 */
export const LOGS_KMS_CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn";

/** Condition keys of cross-account trusts that prove the caller is the intended one. */
export const CROSS_ACCOUNT_KEYS = ["sts:ExternalId", "aws:PrincipalOrgID"];

/** Every condition key a statement tests, lower-cased (operators and `ForAnyValue:`/`IfExists` ignored). */
export function conditionKeys(s: PolicyStatementJson): Set<string> {
    const out = new Set<string>();
    for (const block of Object.values(s.Condition ?? {})) {
        if (block && typeof block === "object") for (const k of Object.keys(block)) out.add(k.toLowerCase());
    }
    return out;
}

export function hasAnyConditionKey(s: PolicyStatementJson, keys: readonly string[]): boolean {
    const have = conditionKeys(s);
    return keys.some((k) => have.has(k.toLowerCase()));
}

/** Service principals of a statement (`Principal.Service`). */
export function servicePrincipals(s: PolicyStatementJson): string[] {
    const p = s.Principal;
    return p && typeof p === "object" ? list(p.Service) : [];
}

/** IAM principals of a statement (`Principal.AWS`, or a bare account/ARN string other than "*"). */
export function awsPrincipals(s: PolicyStatementJson): string[] {
    const p = s.Principal;
    if (typeof p === "string") return p === "*" ? [] : [p];
    return p && typeof p === "object" ? list(p.AWS).filter((x) => x !== "*") : [];
}

/** The account of an IAM principal (functions/shared/arn.ts): a 12-digit id, or the account field of an iam/sts ARN. */
export { principalAccount };

/** Lists for messages: `"a", "b"`. */
export function quoted(xs: string[]): string {
    return xs.map((x) => JSON.stringify(x)).join(", ");
}

function isFalse(v: unknown): boolean {
    return list(v).some((x) => x.toLowerCase() === "false");
}

/**
 * A Deny for everyone over plain HTTP that covers `action`: Principal "*",
 * an action equal to `action`, `<service>:*` or `*`, and
 * Bool/BoolIfExists aws:SecureTransport false.
 */
export function deniesInsecureTransport(s: PolicyStatementJson, action: string): boolean {
    if (s?.Effect !== "Deny" || !principalIsPublic(s.Principal)) return false;
    const svc = action.split(":")[0];
    const covers = list(s.Action).some((a) => a === "*" || a.toLowerCase() === `${svc}:*`.toLowerCase() || a.toLowerCase() === action.toLowerCase());
    if (!covers) return false;
    const c = s.Condition ?? {};
    return isFalse(c.Bool?.["aws:SecureTransport"]) || isFalse(c.BoolIfExists?.["aws:SecureTransport"]);
}

/** An Allow statement that grants principals without any of the condition keys that would bound it. */
export interface UnconditionedGrant {
    /** `statementLabel` of the statement ("statement 0", `statement "Sid"`). */
    readonly label: string;
    /** The principals the statement grants (as `principalsOf` picked them). */
    readonly principals: string[];
}

/**
 * The matcher the confused-deputy and cross-account trust rules share: every Allow
 * statement of `doc` whose `principalsOf` is non-empty and that carries none of
 * `keysFor(principals)` (condition keys, any operator).
 */
export function unconditionedGrants(doc: { Statement: PolicyStatementJson[] } | null, principalsOf: (s: PolicyStatementJson) => string[], keysFor: (principals: string[]) => readonly string[]): UnconditionedGrant[] {
    if (!doc) return [];
    const out: UnconditionedGrant[] = [];
    doc.Statement.forEach((s, i) => {
        if (s.Effect !== "Allow") return;
        const principals = principalsOf(s);
        if (principals.length === 0 || hasAnyConditionKey(s, keysFor(principals))) return;
        out.push({ label: statementLabel(s, i), principals });
    });
    return out;
}
