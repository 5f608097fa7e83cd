/**
 * The ingestion HTTP API (DESIGN.md 3.2) as a fastify 5 instance.
 *
 * POST /v1/events
 *   - `application/json` (one event or an array of 1..500) or `application/x-ndjson`
 *     (one event per line, at most 500); UTF-8, optional BOM.
 *   - 202 `{"accepted": n}` once Kinesis acknowledged every event of the request.
 *   - 400 `{"errors": [{"index", "path", "message"}]}` listing every problem
 *     (validator paths are dotted: "flight.carrier"; "" names the event or body).
 *   - 413 body larger than `maxBodyBytes`, 415 any other content type,
 *     429 (queue full) / 503 (draining, or Kinesis did not acknowledge) with `Retry-After`.
 *   - Every response other than 202 and 400 is `{"error": "<message>"}`.
 * GET /healthz → 200 `{"status":"ok"}`; 503 `{"status":"draining"}` while draining,
 *   so the load balancer stops routing to a stopping task; 503 `{"status":"unavailable","reason"}`
 *   while `unavailableReason()` names a reason (the local platform: the stream is unreachable).
 *
 * Bodies are parsed by our own content-type parsers (raw buffer in, parse
 * errors as 400 with the errors list); fastify's error handler maps every other
 * client error to its 4xx and keeps 500 for genuine server faults only.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyError } from "fastify";
import { validateBatch, type FlightEvent } from "../shared/events";
import { METRIC } from "./metrics";
import { parseJsonBody, parseNdjsonBody, type ParseResult } from "./parse";
import { EventTooLargeError, ProducerError } from "./producer";

export interface Publisher {
  publish(events: readonly FlightEvent[]): Promise<void>;
  readonly queueDepth: number;
  readonly isDraining: boolean;
}

export interface ServerMetrics {
  count(name: string, n?: number): void;
}

export interface ServerDeps {
  readonly publisher: Publisher;
  /** pino logger (or `false` for none). @default false */
  readonly logger?: FastifyBaseLogger | false;
  readonly metrics?: ServerMetrics;
  /** Largest request body in bytes. @default 1048576 (1 MiB) */
  readonly maxBodyBytes?: number;
  /**
   * POST /v1/events requests handled at once (bodies buffered plus requests
   * waiting for Kinesis); beyond it new ones get 429 before their body is read,
   * so memory stays below about maxInflightRequests x maxBodyBytes. @default 256
   */
  readonly maxInflightRequests?: number;
  /** Why the service cannot accept events now (e.g. the stream is unreachable), or undefined when it can; /healthz answers 503 with it. @default - always healthy */
  readonly unavailableReason?: () => string | undefined;
}

/** Requests parsed into raw event values (validation happens in the handler). */
type ParsedBody = { kind: "parsed"; result: ParseResult };

const JSON_TYPE = "application/json";
const NDJSON_TYPE = "application/x-ndjson";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function buildServer(deps: ServerDeps): FastifyInstance {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024 || maxBodyBytes > 64 * 1024 * 1024) {
    throw new RangeError(`\`maxBodyBytes\` must be an integer from 1024 to 67108864; received ${String(maxBodyBytes)}`);
  }
  const maxInflight = deps.maxInflightRequests ?? 256;
  if (!Number.isInteger(maxInflight) || maxInflight < 1 || maxInflight > 100000) {
    throw new RangeError(`\`maxInflightRequests\` must be an integer from 1 to 100000; received ${String(maxInflight)}`);
  }
  const metrics = deps.metrics ?? { count() {} };
  let inflight = 0;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: maxBodyBytes,
    requestTimeout: 30000,
    return503OnClosing: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPE, { parseAs: "buffer", bodyLimit: maxBodyBytes }, (_req, body, done) => {
    done(null, { kind: "parsed", result: parseJsonBody(body as Buffer) } satisfies ParsedBody);
  });
  app.addContentTypeParser(NDJSON_TYPE, { parseAs: "buffer", bodyLimit: maxBodyBytes }, (_req, body, done) => {
    done(null, { kind: "parsed", result: parseNdjsonBody(body as Buffer) } satisfies ParsedBody);
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) {
      return reply.code(413).send({ error: `request body is larger than the ${maxBodyBytes}-byte limit` });
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

  // Admission control before the body is read (bounded memory under floods).
  app.addHook("onRequest", (request, reply, done) => {
    if (request.method !== "POST" || request.routeOptions.url !== "/v1/events") return done();
    if (inflight >= maxInflight) {
      metrics.count(METRIC.requestsShed, 1);
      reply.code(429).header("retry-after", "1").send({ error: `too many requests in flight (${maxInflight}); retry after 1 s` });
      return;
    }
    inflight++;
    reply.raw.once("close", () => inflight--);
    done();
  });

  // Per-request access logs would flood at ingestion rates (the ALB access log has them); warnings and errors still log.
  app.get("/healthz", { logLevel: "warn" }, async (_request, reply) => {
    if (deps.publisher.isDraining) return reply.code(503).send({ status: "draining" });
    const reason = deps.unavailableReason?.();
    if (reason !== undefined) return reply.code(503).send({ status: "unavailable", reason });
    return { status: "ok", queueDepth: deps.publisher.queueDepth };
  });

  app.post("/v1/events", { logLevel: "warn" }, async (request, reply) => {
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
    const validated = validateBatch(values);
    if (!validated.ok) {
      metrics.count(METRIC.rejected, values.length);
      return reply.code(400).send({ errors: validated.errors });
    }
    try {
      await deps.publisher.publish(validated.value);
    } catch (err) {
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
    return reply.code(202).send({ accepted: validated.value.length });
  });

  return app;
}
