/** JSON helpers shared by the mock engine (plan/mocks.ts) and the policy pack (policies/lib). Pure. */

/**
 * `v` parsed when it is a JSON string, else `v` itself (Pulumi serializes nested
 * inputs, such as a provider's `defaultTags` or a policy document, as JSON strings).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of any shape; callers (plan mocks, policy rules) read it as their own documents
export function parseMaybeJson(v: unknown): any {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}
