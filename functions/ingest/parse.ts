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
 */
import type { ValidationError } from "../shared/events";

export const MAX_EVENTS_PER_REQUEST = 500;
export const MAX_NESTING_DEPTH = 32;

export type ParseResult = { ok: true; values: unknown[] } | { ok: false; errors: ValidationError[] };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function fail(message: string, index = 0): ParseResult {
  return { ok: false, errors: [{ index, path: "", message }] };
}

/** Decodes UTF-8 strictly, dropping a leading BOM; undefined when the bytes are not UTF-8. */
export function decodeUtf8(body: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
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

/** Parses an `application/json` body: one event or an array of events. */
export function parseJsonBody(body: Uint8Array): ParseResult {
  const text = decodeUtf8(body);
  if (text === undefined) return fail(NOT_UTF8);
  if (text.trim() === "") return fail(EMPTY);
  const parsed = parseText(text, "body", 0);
  if (!parsed.ok) return parsed.error;
  if (!Array.isArray(parsed.value)) return { ok: true, values: [parsed.value] };
  if (parsed.value.length === 0) return fail("body is an empty array; send at least one event");
  if (parsed.value.length > MAX_EVENTS_PER_REQUEST) return tooMany(parsed.value.length);
  return { ok: true, values: parsed.value };
}

/** Parses an `application/x-ndjson` body: one event per non-blank line; every bad line is reported. */
export function parseNdjsonBody(body: Uint8Array): ParseResult {
  const text = decodeUtf8(body);
  if (text === undefined) return fail(NOT_UTF8);
  const lines = text.split("\n");
  const values: unknown[] = [];
  const errors: ValidationError[] = [];
  let index = 0;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].endsWith("\r") ? lines[n].slice(0, -1) : lines[n];
    if (line.trim() === "") continue;
    if (index >= MAX_EVENTS_PER_REQUEST) {
      const total = index + lines.slice(n).filter((l) => l.trim() !== "").length;
      return tooMany(total);
    }
    const parsed = parseText(line, `line ${n + 1}`, index);
    if (parsed.ok) values.push(parsed.value);
    else if (!parsed.error.ok) errors.push(...parsed.error.errors);
    index++;
  }
  if (errors.length > 0) return { ok: false, errors };
  if (values.length === 0) return fail(EMPTY);
  return { ok: true, values };
}
