/**
 * Request-body parsing for POST /v1/events (pure; no I/O).
 *
 * - `application/json`: one event object, or an array of 1..MAX_EVENTS_PER_REQUEST events.
 * - `application/x-ndjson`: one event per line (blank lines and CRLF allowed), at
 *   most MAX_EVENTS_PER_REQUEST lines.
 * - The body must be UTF-8; a leading byte-order mark is ignored (RFC 8259 8.1).
 * - Arrays and objects may nest at most MAX_NESTING_DEPTH levels: a cheap scan
 *   rejects deeper bodies before JSON.parse, so hostile nesting never reaches
 *   the parser, the validator or JSON.stringify (which would overflow the stack).
 *
 * Errors use the validator's shape `{index, path, message}`: `index` is the
 * event the problem belongs to (0 for whole-body problems), `path` is "".
 *
 * Each event's own bytes: `raw[i]` is event i's JSON text as the body holds
 * it (a view into the body, no copy): an NDJSON line, or an element of the
 * top-level JSON array, found by the same byte scan that bounds the nesting
 * (the structural characters are ASCII, and UTF-8 never uses ASCII bytes
 * inside a multi-byte character, so scanning bytes is exact). The producer
 * writes these bytes instead of serialising the event again. `raw[i]` is
 * undefined when the text spans lines (a pretty-printed array: frames hold one
 * event per line) or is not an object; the event is then serialised.
 */
import { isUtf8 } from "node:buffer";
import type { ValidationError } from "../shared/events";

export const MAX_EVENTS_PER_REQUEST = 500;
export const MAX_NESTING_DEPTH = 32;

export type ParseResult = { ok: true; values: unknown[]; raw?: (Uint8Array | undefined)[] } | { ok: false; errors: ValidationError[] };

function fail(message: string, index = 0): ParseResult {
    return { ok: false, errors: [{ index, path: "", message }] };
}

/**
 * Decodes UTF-8 strictly, dropping a leading BOM; undefined when the bytes are
 * not UTF-8. `isUtf8` (simdutf) checks, then `Buffer#toString` decodes: an
 * ASCII body becomes a one-byte string, which JSON.parse reads about 1.5x
 * faster than the two-byte string a TextDecoder returns (and so do the hashes
 * and checks that read the parsed strings).
 */
export function decodeUtf8(body: Uint8Array): string | undefined {
    if (!isUtf8(body)) return undefined;
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return buf.toString("utf8", bomLength(body), buf.length);
}

/** Deepest nesting of arrays/objects in a JSON text (strings skipped); stops counting past `limit`. */
export function nestingDepth(text: string, limit = MAX_NESTING_DEPTH): number {
    let depth = 0;
    let max = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 0x5c /* \ */) i++;
            else if (c === 0x22 /* " */) inString = false;
        } else if (c === 0x22) {
            inString = true;
        } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
            depth++;
            if (depth > max) {
                max = depth;
                if (max > limit) return max;
            }
        } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
            depth--;
        }
    }
    return max;
}

/** What one byte scan of a JSON body finds: its deepest nesting, and the byte spans of a top-level array's elements. */
export interface JsonScan {
    readonly depth: number;
    /** [start, end) of each element of a top-level array, whitespace trimmed; undefined when the body is not an array or nests too deep. */
    readonly elements?: number[];
}

function isJsonSpace(b: number): boolean {
    return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Scans UTF-8 JSON bytes from `from` to `to`: nesting depth (stops past `limit`)
 * and, for a top-level array, where each element starts and ends.
 */
export function scanJson(bytes: Uint8Array, from = 0, to = bytes.length, limit = MAX_NESTING_DEPTH): JsonScan {
    let depth = 0;
    let max = 0;
    let i = from;
    while (i < to && isJsonSpace(bytes[i])) i++;
    const isArray = i < to && bytes[i] === 0x5b;
    const elements: number[] | undefined = isArray ? [] : undefined;
    let start = -1;
    const close = (end: number) => {
        let e = end;
        while (e > start && isJsonSpace(bytes[e - 1])) e--;
        if (e > start) elements!.push(start, e);
        start = -1;
    };
    for (; i < to; i++) {
        const c = bytes[i];
        if (c === 0x22 /* " */) {
            if (elements !== undefined && depth === 1 && start < 0) start = i;
            for (i++; i < to; i++) {
                const d = bytes[i];
                if (d === 0x5c /* \ */) i++;
                else if (d === 0x22) break;
            }
            continue;
        }
        if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
            if (elements !== undefined && depth === 1 && start < 0) start = i;
            depth++;
            if (depth > max) {
                max = depth;
                if (max > limit) return { depth: max };
            }
        } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
            depth--;
            if (elements !== undefined && depth === 0 && start >= 0) close(i);
        } else if (elements !== undefined && depth === 1) {
            if (c === 0x2c /* , */) {
                if (start >= 0) close(i);
            } else if (start < 0 && !isJsonSpace(c)) start = i;
        }
    }
    return elements !== undefined ? { depth: max, elements } : { depth: max };
}

/** The bytes of one event when they can be written as they are: a single-line JSON object. */
function eventBytes(bytes: Uint8Array, start: number, end: number): Uint8Array | undefined {
    if (end <= start || bytes[start] !== 0x7b || bytes[end - 1] !== 0x7d) return undefined;
    const view = bytes.subarray(start, end);
    return view.indexOf(0x0a) >= 0 || view.indexOf(0x0d) >= 0 ? undefined : view;
}

const BOM = [0xef, 0xbb, 0xbf];

function bomLength(body: Uint8Array): number {
    return body.length >= 3 && body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2] ? 3 : 0;
}

function jsonProblem(err: unknown): string {
    // V8 messages quote the offending text; keep them short.
    // Newer V8 versions append " (line 1 column 5)"; drop it so messages do not depend on the Node version.
    const msg = (err instanceof Error ? err.message : String(err)).replace(/ \(line \d+ column \d+\)$/, "");
    return msg.length > 200 ? `${msg.slice(0, 200)}...` : msg;
}

function parseText(text: string, what: string, index: number): { ok: true; value: unknown } | { ok: false; error: ParseResult } {
    if (nestingDepth(text) > MAX_NESTING_DEPTH) {
        return { ok: false, error: fail(`${what} nests arrays and objects deeper than ${MAX_NESTING_DEPTH} levels`, index) };
    }
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch (err) {
        return { ok: false, error: fail(`${what} is not valid JSON: ${jsonProblem(err)}`, index) };
    }
}

const EMPTY = `body is empty; send one event object, a JSON array of 1 to ${MAX_EVENTS_PER_REQUEST} events, or NDJSON lines`;
const NOT_UTF8 = "body is not valid UTF-8";

function tooMany(n: number): ParseResult {
    return fail(`a request holds at most ${MAX_EVENTS_PER_REQUEST} events; received ${n}`, MAX_EVENTS_PER_REQUEST);
}

/** Parses an `application/json` body: one event or an array of events (with each event's bytes). */
export function parseJsonBody(body: Uint8Array): ParseResult {
    const text = decodeUtf8(body);
    if (text === undefined) return fail(NOT_UTF8);
    const from = bomLength(body);
    let first = from;
    while (first < body.length && isJsonSpace(body[first])) first++;
    if (first === body.length) return fail(EMPTY);
    const scan = scanJson(body, from);
    if (scan.depth > MAX_NESTING_DEPTH) return fail(`body nests arrays and objects deeper than ${MAX_NESTING_DEPTH} levels`);
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        return fail(`body is not valid JSON: ${jsonProblem(err)}`);
    }
    if (!Array.isArray(value)) {
        let start = from;
        let end = body.length;
        while (start < end && isJsonSpace(body[start])) start++;
        while (end > start && isJsonSpace(body[end - 1])) end--;
        return { ok: true, values: [value], raw: [eventBytes(body, start, end)] };
    }
    if (value.length === 0) return fail("body is an empty array; send at least one event");
    if (value.length > MAX_EVENTS_PER_REQUEST) return tooMany(value.length);
    const spans = scan.elements;
    // The scan and JSON.parse agree on every valid body; if they ever did not, serialise instead of guessing.
    if (spans === undefined || spans.length !== value.length * 2) return { ok: true, values: value };
    const raw: (Uint8Array | undefined)[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) raw[i] = eventBytes(body, spans[2 * i], spans[2 * i + 1]);
    return { ok: true, values: value, raw };
}

/** Parses an `application/x-ndjson` body: one event per non-blank line (with each line's bytes); every bad line is reported. */
export function parseNdjsonBody(body: Uint8Array): ParseResult {
    const text = decodeUtf8(body);
    if (text === undefined) return fail(NOT_UTF8);
    const lines = text.split("\n");
    const values: unknown[] = [];
    const raw: (Uint8Array | undefined)[] = [];
    const errors: ValidationError[] = [];
    let index = 0;
    // Byte position of the current line: a "\n" in the text is exactly a 0x0a byte in the body.
    let lineStart = bomLength(body);
    for (let n = 0; n < lines.length; n++) {
        const nl = body.indexOf(0x0a, lineStart);
        const lineEnd = nl < 0 ? body.length : nl;
        const start = lineStart;
        lineStart = lineEnd + 1;
        const line = lines[n].endsWith("\r") ? lines[n].slice(0, -1) : lines[n];
        if (line.trim() === "") continue;
        if (index >= MAX_EVENTS_PER_REQUEST) {
            const total = index + lines.slice(n).filter((l) => l.trim() !== "").length;
            return tooMany(total);
        }
        const parsed = parseText(line, `line ${n + 1}`, index);
        if (parsed.ok) {
            values.push(parsed.value);
            let s = start;
            let e = lineEnd;
            while (s < e && isJsonSpace(body[s])) s++;
            while (e > s && isJsonSpace(body[e - 1])) e--;
            raw.push(eventBytes(body, s, e));
        } else if (!parsed.error.ok) errors.push(...parsed.error.errors);
        index++;
    }
    if (errors.length > 0) return { ok: false, errors };
    if (values.length === 0) return fail(EMPTY);
    return { ok: true, values, raw };
}
