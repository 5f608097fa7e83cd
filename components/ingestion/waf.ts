/**
 * Pure helpers of the ingestion WAF (no Pulumi resources here).
 *
 * The body-size rule: on an Application Load Balancer AWS WAF inspects at most
 * the first 8 KB of a body (the limit is fixed for ALBs), so a size constraint
 * on the body cannot express the service's 1 MiB maximum; it would either block
 * every batch above 8 KB (oversize handling MATCH) or nothing (CONTINUE). The
 * rule therefore matches the `content-length` header against a regular
 * expression that accepts exactly the decimal integers above the maximum
 * ({@link greaterThanPattern}). Bodies sent without a length (chunked) are
 * bounded by the service itself (MAX_BODY_BYTES, 413).
 */

/** AWS WAF's limit on a regexMatchStatement's `regexString`. */
export const WAF_REGEX_MAX_LENGTH = 200;

/**
 * A regular expression matching exactly the decimal integers (leading zeros
 * allowed, nothing else) strictly greater than `n`.
 *
 * Built digit by digit: any number with more significant digits than `n`, or
 * with as many digits and, at the first position where it differs, a larger digit.
 */
export function greaterThanPattern(n: number): string {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`greaterThanPattern: n must be a non-negative safe integer; received ${n}`);
    const s = String(n);
    const len = s.length;
    const branches = [`[1-9]\\d{${len},}`];
    for (let i = 0; i < len; i++) {
        const d = Number(s[i]);
        if (d === 9) continue;
        const lowest = i === 0 ? Math.max(d + 1, 1) : d + 1;
        const digit = lowest === 9 ? "9" : `[${lowest}-9]`;
        const rest = len - i - 1;
        branches.push(`${s.slice(0, i)}${digit}${rest === 0 ? "" : rest === 1 ? "\\d" : `\\d{${rest}}`}`);
    }
    return `^0*(?:${branches.join("|")})$`;
}

/** Lower-case DNS label a vendor name must be (its hostname is `<vendor>.<domainName>`). */
export const VENDOR_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
