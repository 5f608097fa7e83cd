/**
 * The ingestion HTTP API as a fastify 5 instance (functions/ingest/README.md).
 *
 * POST /v1/events
 *   - `Authorization: Bearer <key>`: the key names the sender's source. 401
 *     without a valid key (missing, malformed, unknown, expired, revoked); 403
 *     when an event's `source` is not the key's. Events may omit `source`: it
 *     is filled in from the key before validation.
 *   - `application/json` (one event or an array of 1..500) or `application/x-ndjson`
 *     (one event per line, at most 500); UTF-8, optional BOM.
 *   - 202 `{"accepted": n}` once Kinesis acknowledged every event of the request.
 *   - 400 `{"errors": [{"index", "path", "message"}]}` listing every problem
 *     (validator paths are dotted: "flight.carrier"; "" names the event or body),
 *     including an event too large for one Kinesis record (decided before anything is published).
 *   - 403 / 409 `{"errors": [...]}` naming the events of THIS request (spoofed
 *     source; identity reused with other content).
 *   - 408 body not complete within `bodyReadTimeoutMs` (the connection is closed),
 *     413 body larger than `maxBodyBytes`, 415 any other content type,
 *     429 (too many requests reading or waiting, queue full) / 503 (draining,
 *     or Kinesis did not acknowledge) with `Retry-After`.
 *   - Every other response is `{"error": "<message>"}`; no message names
 *     another client's data.
 * GET /healthz → 200 `{"status":"ok"}`; 503 `{"status":"draining"}` while draining,
 *   so the load balancer stops routing to a stopping task; 503 `{"status":"unavailable","reason"}`
 *   while `unavailableReason()` names a reason (the local platform: the stream is unreachable).
 *
 * Bodies are read by our own content-type parsers (a raw stream in, with the
 * size limit and the body-read deadline); fastify's error handler maps every
 * other client error to its 4xx and keeps 500 for genuine server faults only.
 */
import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
import { validateBatch, type FlightEvent, type ValidationError } from "../shared/events";
import { MAX_KINESIS_RECORD_BYTES } from "../shared/codec/limits";
import { Admission, isRefusal, type Ticket } from "./admission";
import { DeadlineQueue } from "./deadlines";
import { IdentityConflictError } from "./idempotency";
import type { Authentication } from "./keys";
import { KEY_PATTERN } from "./keys";
import { METRIC } from "./metrics";
import { parseJsonBody, parseNdjsonBody, type ParseResult } from "./parse";
import { lazyChildLogger } from "./request-log";
import { EventTooLargeError, ProducerError } from "./producer";

export interface Publisher {
    /**
     * Publishes one request's validated events; `raw[i]`, when given, is event
     * i's JSON text exactly as the body held it (one line, `source` included),
     * written as is instead of serialising the event again.
     */
    publish(events: readonly FlightEvent[], raw?: readonly (Uint8Array | undefined)[]): Promise<void>;
    readonly queueDepth: number;
    readonly isDraining: boolean;
}

export interface ServerMetrics {
    count(name: string, n?: number): void;
}

/** Checks a presented bearer key (functions/ingest/keys.ts KeyStore). */
export interface Authenticator {
    authenticate(key: string): Promise<Authentication>;
    /**
     * The answer from what is already in memory, when the store has one (a key
     * store: a known key's record); an "unknown" answer is confirmed by
     * `authenticate` (which may reload) before the request is refused.
     */
    authenticateSync?(key: string): Authentication;
}

export interface ServerDeps {
    readonly publisher: Publisher;
    /**
     * Who may send: a key store, or `"off"` (no credentials; every event must
     * carry its `source`). `"off"` exists only for the benchmark's bare
     * comparison and is never a default.
     */
    readonly auth: Authenticator | "off";
    /** pino logger (or `false` for none). @default false */
    readonly logger?: FastifyBaseLogger | false;
    readonly metrics?: ServerMetrics;
    /** Largest request body in bytes. @default 1048576 (1 MiB) */
    readonly maxBodyBytes?: number;
    /**
     * POST /v1/events requests waiting for Kinesis (body read) at once; beyond
     * it new ones get 429 before their body is read. @default 256
     */
    readonly maxInflightRequests?: number;
    /**
     * occurredAt window around the time of receipt (ms before / after now). The
     * service (main.ts) always sets it from its config. @default - absolute bounds only
     */
    readonly occurredAtWindow?: { readonly maxAgeMs: number; readonly maxFutureMs: number };
    /** Requests whose body is being read, all sources together. @default 512 */
    readonly maxReadingRequests?: number;
    /** Requests whose body is being read, per source (one sender's slow bodies fill only its share). @default 64 */
    readonly maxReadingPerSource?: number;
    /** Time from the request's headers to its complete body; then 408 and the connection is closed. @default 10000 */
    readonly bodyReadTimeoutMs?: number;
    /** Idle keep-alive timeout of client connections (above the ALB's 60 s idle timeout). @default 75000 */
    readonly keepAliveTimeoutMs?: number;
    readonly now?: () => number;
    /** Why the service cannot accept events now (e.g. the stream is unreachable), or undefined when it can; /healthz answers 503 with it. @default - always healthy */
    readonly unavailableReason?: () => string | undefined;
}

/** Requests parsed into raw event values (validation happens in the handler). */
type ParsedBody = { kind: "parsed"; result: ParseResult };

const JSON_TYPE = "application/json";
const NDJSON_TYPE = "application/x-ndjson";
/** What fastify sets for a serialised object. */
const JSON_REPLY_TYPE = "application/json; charset=utf-8";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_BODY_READ_TIMEOUT_MS = 10000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 75000;
const WWW_AUTHENTICATE = 'Bearer realm="flightstream-ingest"';

/** Per-request state of a POST /v1/events: the sender's source and its admission slot. */
interface RequestState {
    readonly source: string | undefined;
    readonly ticket: Ticket;
    readonly deadline: number;
}

/** An HTTP error from our body reader (fastify's error handler answers it). */
class HttpError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
    ) {
        super(message);
    }
}

function checkInt(name: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(`\`${name}\` must be an integer from ${min} to ${max}; received ${String(value)}`);
    }
    return value;
}

/** Headers that must appear at most once (node keeps only the first copy of each, so count the raw ones). */
const SINGLE_HEADERS = ["authorization", "content-type"];

function duplicateHeader(raw: IncomingMessage): { name: string; count: number } | undefined {
    // Per request: no map, no lower-casing of every header name (only names of the right length are compared).
    const headers = raw.rawHeaders;
    let authorization = 0;
    let contentType = 0;
    for (let i = 0; i < headers.length; i += 2) {
        const name = headers[i];
        if (name.length === 13 && name.toLowerCase() === SINGLE_HEADERS[0]) authorization++;
        else if (name.length === 12 && name.toLowerCase() === SINGLE_HEADERS[1]) contentType++;
    }
    if (authorization > 1) return { name: SINGLE_HEADERS[0], count: authorization };
    if (contentType > 1) return { name: SINGLE_HEADERS[1], count: contentType };
    return undefined;
}

const HEADER_NAMES: Record<string, string> = { authorization: "Authorization", "content-type": "Content-Type" };

/** The presented key, or what is wrong with the Authorization header (never echoing a secret). */
function bearerKey(header: string | undefined): { key: string } | { problem: string } {
    // The usual header, exactly `Bearer <key>`: the same answer as the general parse below, without its regex match.
    if (header !== undefined && header.length === 54 && header.startsWith("Bearer ")) {
        const key = header.slice(7);
        if (KEY_PATTERN.test(key)) return { key };
    }
    if (header === undefined || header === "") {
        return { problem: "POST /v1/events needs `Authorization: Bearer <key>` (the key of your source); received no Authorization header" };
    }
    const m = /^(\S+)(?: +(.*))?$/.exec(header);
    const scheme = m?.[1] ?? "";
    if (scheme.toLowerCase() !== "bearer") {
        const shown = /^[A-Za-z][A-Za-z0-9_-]{0,20}$/.test(scheme) ? JSON.stringify(scheme) : "an unreadable";
        return { problem: `Authorization must use the Bearer scheme (\`Authorization: Bearer <key>\`); received ${shown} scheme` };
    }
    const key = (m?.[2] ?? "").trim();
    if (key === "") return { problem: "Authorization: Bearer is missing its key" };
    if (!KEY_PATTERN.test(key)) {
        return { problem: `the bearer key is not a flightstream ingestion key (fsk_ followed by 43 base64url characters; received ${key.length} characters)` };
    }
    return { key };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Fills in `source` from the key where an event omits it; lists every event
 * whose `source` is a string other than the key's (non-strings are left to the validator).
 */
export function applySource(values: unknown[], source: string): ValidationError[] {
    const forbidden: ValidationError[] = [];
    values.forEach((value, index) => {
        if (!isPlainObject(value)) return;
        if (value.source === undefined) {
            value.source = source;
        } else if (typeof value.source === "string" && value.source !== source) {
            const shown = value.source.length > 64 ? `${JSON.stringify(value.source.slice(0, 64))}...` : JSON.stringify(value.source);
            forbidden.push({ index, path: "source", message: `source ${shown} is not the source of this key (${JSON.stringify(source)}); omit source or send ${JSON.stringify(source)}` });
        }
    });
    return forbidden;
}

/**
 * Events that do not fit in one Kinesis record (JSON as the producer writes it
 * plus the eventId partition key); `raw[i]`, when given, is event i's JSON as
 * it will be written (no serialisation needed to measure it).
 */
export function oversizeEvents(events: readonly FlightEvent[], raw?: readonly (Uint8Array | undefined)[]): ValidationError[] {
    const errors: ValidationError[] = [];
    for (let index = 0; index < events.length; index++) {
        const e = events[index];
        const bytes = raw?.[index];
        let size: number;
        if (bytes !== undefined) {
            // Cheap bound first: an eventId of n UTF-16 code units is at most 3n UTF-8 bytes.
            if (bytes.length + e.eventId.length * 3 <= MAX_KINESIS_RECORD_BYTES) continue;
            size = bytes.length + Buffer.byteLength(e.eventId, "utf8");
        } else {
            const json = JSON.stringify(e);
            const keyBytes = Buffer.byteLength(e.eventId, "utf8");
            // Cheap bound first: a UTF-16 code unit is at most 3 UTF-8 bytes.
            if (json.length * 3 + keyBytes <= MAX_KINESIS_RECORD_BYTES) continue;
            size = Buffer.byteLength(json, "utf8") + keyBytes;
        }
        if (size > MAX_KINESIS_RECORD_BYTES) {
            errors.push({ index, path: "", message: `event is ${size} bytes as JSON with its partition key; a Kinesis record holds at most ${MAX_KINESIS_RECORD_BYTES} bytes` });
        }
    }
    return errors;
}

/**
 * An event's bytes with `"source":<source>` put first, for an event that
 * omitted `source` (filled in from the key): `{` + the member + the rest.
 */
export function withSource(bytes: Uint8Array, prefix: Buffer): Buffer {
    let i = 1;
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
    const empty = bytes[i] === 0x7d;
    const out = Buffer.allocUnsafe(prefix.length + bytes.length - 1 + (empty ? 0 : 1));
    prefix.copy(out, 0);
    let pos = prefix.length;
    if (!empty) out[pos++] = 0x2c;
    out.set(bytes.subarray(1), pos);
    return out;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
    const maxBodyBytes = checkInt("maxBodyBytes", deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024);
    const bodyReadTimeoutMs = checkInt("bodyReadTimeoutMs", deps.bodyReadTimeoutMs ?? DEFAULT_BODY_READ_TIMEOUT_MS, 100, 120000);
    const keepAliveTimeoutMs = checkInt("keepAliveTimeoutMs", deps.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 1000, 600000);
    if (deps.auth === undefined || (deps.auth !== "off" && typeof deps.auth?.authenticate !== "function")) {
        throw new TypeError('`auth` must be a key store (an object with authenticate(key)) or the explicit string "off"; received ' + String(deps.auth));
    }
    const admission = new Admission({ maxReading: deps.maxReadingRequests, maxReadingPerSource: deps.maxReadingPerSource, maxWaiting: deps.maxInflightRequests });
    const metrics = deps.metrics ?? { count() {} };
    const now = deps.now ?? Date.now;
    const states = new WeakMap<IncomingMessage, RequestState>();
    // The body-read deadlines of every request on one timer (./deadlines.ts), not a timer per request.
    const deadlines = new DeadlineQueue();
    const app = Fastify({
        // A request's child logger (reqId) is created only when the request logs something (./request-log.ts).
        ...(deps.logger ? { loggerInstance: deps.logger, childLoggerFactory: lazyChildLogger } : { logger: false }),
        bodyLimit: maxBodyBytes,
        // Node's own request timeout is only a backstop (it is checked every 30 s); the body-read deadline below is exact.
        requestTimeout: Math.max(30000, bodyReadTimeoutMs + 10000),
        keepAliveTimeout: keepAliveTimeoutMs,
        return503OnClosing: true,
    });

    /** Reads a raw body within the request's deadline and the size limit. */
    function readBody(request: FastifyRequest, payload: NodeJS.ReadableStream & { destroy?: () => void }, done: (err: Error | null, body?: Buffer) => void): void {
        const state = states.get(request.raw);
        const declared = Number(request.headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxBodyBytes) return done(new HttpError(413, ""));
        const chunks: Buffer[] = [];
        let size = 0;
        let finished = false;
        const finish = (err: Error | null, body?: Buffer) => {
            if (finished) return;
            finished = true;
            timer.cancel();
            payload.removeListener("data", onData);
            payload.removeListener("end", onEnd);
            payload.removeListener("error", onError);
            payload.removeListener("close", onClose);
            if (err === null) state?.ticket.bodyRead();
            done(err, body);
        };
        const remaining = Math.max(0, (state?.deadline ?? now() + bodyReadTimeoutMs) - now());
        const timer = deadlines.add(remaining, () => {
            metrics.count(METRIC.bodyTimeouts, 1);
            const expected = Number.isFinite(declared) ? ` of the ${declared} declared` : "";
            finish(new HttpError(408, `the request body did not arrive within ${bodyReadTimeoutMs} ms (received ${size}${expected} bytes); send the whole body at once`));
        });
        const onData = (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) return finish(new HttpError(413, ""));
            chunks.push(chunk);
        };
        const onEnd = () => finish(null, Buffer.concat(chunks, size));
        const onError = (err: Error) => finish(new HttpError(400, `the request body could not be read: ${err.message}`));
        const onClose = () => finish(new HttpError(400, "the connection closed before the request body was complete"));
        payload.on("data", onData);
        payload.on("end", onEnd);
        payload.on("error", onError);
        payload.on("close", onClose);
    }

    app.removeAllContentTypeParsers();
    app.addContentTypeParser(JSON_TYPE, (request, payload, done) => {
        readBody(request, payload, (err, body) => (err ? done(err, undefined) : done(null, { kind: "parsed", result: parseJsonBody(body!) } satisfies ParsedBody)));
    });
    app.addContentTypeParser(NDJSON_TYPE, (request, payload, done) => {
        readBody(request, payload, (err, body) => (err ? done(err, undefined) : done(null, { kind: "parsed", result: parseNdjsonBody(body!) } satisfies ParsedBody)));
    });

    app.setErrorHandler((err: FastifyError, request, reply) => {
        const status = err.statusCode ?? 500;
        if (status === 413) {
            return reply.code(413).send({ error: `request body is larger than the ${maxBodyBytes}-byte limit` });
        }
        if (status === 408) {
            // The rest of the body is not worth waiting for: close the connection once the answer is out.
            return reply.code(408).header("connection", "close").send({ error: err.message });
        }
        if (status === 415) {
            const received = request.headers["content-type"];
            return reply.code(415).send({
                error: `content type must be ${JSON_TYPE} or ${NDJSON_TYPE}; received ${received === undefined ? "none" : JSON.stringify(received)}`,
            });
        }
        if (status >= 400 && status < 500) {
            return reply.code(status).send({ error: err.message });
        }
        request.log.error({ err }, "unhandled error");
        return reply.code(500).send({ error: "internal error" });
    });

    app.setNotFoundHandler((request, reply) => {
        reply.code(404).send({ error: `no route ${request.method} ${request.url.split("?")[0]}; use POST /v1/events or GET /healthz` });
    });

    /**
     * An answer sent before the body was read: node then reads and discards the
     * rest; a sender that keeps the body coming slowly is cut off after the deadline.
     */
    function earlyAnswer(request: FastifyRequest, reply: FastifyReply): void {
        reply.raw.once("finish", () => {
            if (request.raw.complete) return;
            const socket = request.raw.socket as { destroy?: () => void; once?: (e: string, f: () => void) => void } | null;
            // (fastify.inject's stand-in socket has neither.)
            if (typeof socket?.destroy !== "function") return;
            const timer = setTimeout(() => socket.destroy!(), bodyReadTimeoutMs);
            timer.unref();
            socket.once?.("close", () => clearTimeout(timer));
            request.raw.once("end", () => clearTimeout(timer));
        });
    }

    // Credentials and admission before the body is read (bounded memory under floods, no slot for strangers).
    // A callback hook, synchronous when the key is already known (no promise per request).
    const refuseKey = (request: FastifyRequest, reply: FastifyReply, presented: { key: string } | { problem: string }, result: Authentication | undefined) => {
        metrics.count(METRIC.unauthorized, 1);
        earlyAnswer(request, reply);
        const message = "key" in presented ? (result as { message: string }).message : presented.problem;
        reply
            .code(401)
            .header("www-authenticate", "key" in presented ? `${WWW_AUTHENTICATE}, error="invalid_token"` : WWW_AUTHENTICATE)
            .send({ error: message });
    };
    const admit = (request: FastifyRequest, reply: FastifyReply, source: string | undefined, done: () => void) => {
        const ticket = admission.admit(source ?? "");
        if (isRefusal(ticket)) {
            metrics.count(METRIC.requestsShed, 1);
            earlyAnswer(request, reply);
            reply.code(429).header("retry-after", "1").send({ error: ticket.message });
            return;
        }
        states.set(request.raw, { source, ticket, deadline: now() + bodyReadTimeoutMs });
        reply.raw.once("close", ticket.release);
        done();
    };
    app.addHook("onRequest", (request, reply, done) => {
        if (request.method !== "POST" || request.routeOptions.url !== "/v1/events") return done();
        const dup = duplicateHeader(request.raw);
        if (dup !== undefined) {
            earlyAnswer(request, reply);
            reply.code(400).send({ error: `the ${HEADER_NAMES[dup.name]} header appears ${dup.count} times; send it exactly once` });
            return;
        }
        const auth = deps.auth;
        if (auth === "off") return admit(request, reply, undefined, done);
        const presented = bearerKey(request.headers.authorization);
        if (!("key" in presented)) return refuseKey(request, reply, presented, undefined);
        let known: Authentication | undefined;
        try {
            known = auth.authenticateSync?.(presented.key);
        } catch (err) {
            return done(err as Error);
        }
        if (known !== undefined && (known.ok || known.reason !== "unknown")) {
            if (!known.ok) return refuseKey(request, reply, presented, known);
            return admit(request, reply, known.key.source, done);
        }
        auth.authenticate(presented.key).then(
            (result) => (result.ok ? admit(request, reply, result.key.source, done) : refuseKey(request, reply, presented, result)),
            (err: Error) => done(err),
        );
    });

    // Per-request access logs would flood at ingestion rates (the ALB access log has them); warnings and errors still log.
    app.get("/healthz", { logLevel: "warn" }, async (_request, reply) => {
        if (deps.publisher.isDraining) return reply.code(503).send({ status: "draining" });
        const reason = deps.unavailableReason?.();
        if (reason !== undefined) return reply.code(503).send({ status: "unavailable", reason });
        return { status: "ok", queueDepth: deps.publisher.queueDepth };
    });

    app.post("/v1/events", { logLevel: "warn" }, async (request, reply) => {
        const state = states.get(request.raw);
        state?.ticket.bodyRead();
        const body = request.body as ParsedBody | undefined;
        if (body === undefined || body === null || (body as ParsedBody).kind !== "parsed") {
            // No body and no content type at all.
            return reply.code(415).send({ error: `content type must be ${JSON_TYPE} or ${NDJSON_TYPE}; received none` });
        }
        if (!body.result.ok) {
            metrics.count(METRIC.rejected, 1);
            return reply.code(400).send({ errors: body.result.errors });
        }
        const values = body.result.values;
        const raw = body.result.raw;
        if (state?.source !== undefined) {
            if (raw !== undefined) {
                // Events that omit `source` get it from the key: in their bytes too.
                let prefix: Buffer | undefined;
                for (let i = 0; i < values.length; i++) {
                    const v = values[i];
                    const r = raw[i];
                    if (r !== undefined && isPlainObject(v) && v.source === undefined) raw[i] = withSource(r, (prefix ??= Buffer.from(`{"source":${JSON.stringify(state.source)}`, "utf8")));
                }
            }
            const forbidden = applySource(values, state.source);
            if (forbidden.length > 0) {
                metrics.count(METRIC.forbidden, 1);
                metrics.count(METRIC.rejected, values.length);
                return reply.code(403).send({ errors: forbidden });
            }
        }
        const w = deps.occurredAtWindow;
        const validated = validateBatch(values, w ? { now: (deps.now ?? Date.now)(), occurredAtMaxAgeMs: w.maxAgeMs, occurredAtMaxFutureMs: w.maxFutureMs } : {});
        if (!validated.ok) {
            metrics.count(METRIC.rejected, values.length);
            return reply.code(400).send({ errors: validated.errors });
        }
        const oversize = oversizeEvents(validated.value, raw);
        if (oversize.length > 0) {
            metrics.count(METRIC.rejected, values.length);
            return reply.code(400).send({ errors: oversize });
        }
        try {
            // The events' own bytes when the body had them (validateBatch returns the input objects, in order).
            await (raw !== undefined ? deps.publisher.publish(validated.value, raw) : deps.publisher.publish(validated.value));
        } catch (err) {
            if (err instanceof IdentityConflictError) {
                metrics.count(METRIC.rejected, values.length);
                return reply.code(409).send({ errors: err.conflicts.map((c) => ({ index: c.index, path: "eventId", message: c.message })) });
            }
            if (err instanceof EventTooLargeError) {
                metrics.count(METRIC.rejected, validated.value.length);
                return reply.code(400).send({ errors: [{ index: err.index, path: "", message: err.message }] });
            }
            if (err instanceof ProducerError) {
                return reply.code(err.status).header("retry-after", String(err.retryAfterSeconds)).send({ error: err.message });
            }
            throw err;
        }
        metrics.count(METRIC.accepted, validated.value.length);
        // The answer's JSON written directly (no serialiser per request); the same bytes JSON.stringify would give.
        return reply.code(202).header("content-type", JSON_REPLY_TYPE).send(`{"accepted":${validated.value.length}}`);
    });

    return app;
}
