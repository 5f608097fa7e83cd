/**
 * The lake layout, in ONE place (pure; no AWS SDK, no @pulumi): which prefix an
 * event lands under, how objects are named, where errors go. Used by the
 * Firehose processor (functions/lake/handler.ts), the local delivery stream
 * (local/delivery.ts), the Glue catalog's partition projection
 * (components/lake/LakeCatalog.ts) and documented in docs/lake-layout.md.
 *
 *   data/type=<type>/dt=<YYYY-MM-DD>/hour=<HH>/<stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid>.json.gz
 *   errors/<error-output-type>/dt=<YYYY-MM-DD>/...
 *
 * `dt` and `hour` are the event time (`occurredAt`) converted to UTC, so an
 * event sent at 00:30+02:00 lands in the previous UTC day. `source` is a
 * column of every line, not a path segment: the producer's frames hold one
 * (type, event hour) of many sources (hundreds of websites), and one frame
 * becomes one Firehose output record with one set of partition keys.
 * `encodePartitionValue` (Hive-style `%XX` escaping) stays for values that
 * must go into a path.
 *
 * The `type=` values and each type's time field come from the event-type
 * registry (functions/shared/event-types): a type not in the registry has no
 * partition (PartitionError), so adding a type there is all the lake needs.
 */
import { eventTypes as platformEventTypes, type EventTypeRegistry } from "../shared/event-types";

export const DATA_PREFIX = "data/";
export const ERRORS_PREFIX = "errors/";
/** Objects are newline-delimited JSON, gzip-compressed. */
export const OBJECT_EXTENSION = ".json.gz";
/** Partition keys in path order. */
export const PARTITION_KEYS = ["type", "dt", "hour"] as const;
export type PartitionKey = (typeof PARTITION_KEYS)[number];
export type PartitionKeys = Record<PartitionKey, string>;

/** Firehose prefix expression reading the keys the processing Lambda returns. */
export const FIREHOSE_DATA_PREFIX = "data/type=!{partitionKeyFromLambda:type}/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/";
/** Firehose error prefix (its error-output-type is e.g. processing-failed, AmazonS3-failed). */
export const FIREHOSE_ERROR_PREFIX = "errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/";

export class PartitionError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PartitionError";
    }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SAFE = /^[A-Za-z0-9._-]$/;
const TYPE = /^[a-z][a-z_]{0,31}$/;

/** Escapes a partition value: `[A-Za-z0-9._-]` kept, everything else `%XX` per UTF-8 byte. */
export function encodePartitionValue(value: string): string {
    let out = "";
    for (const ch of value) {
        if (SAFE.test(ch)) out += ch;
        else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return out;
}

/** Inverse of {@link encodePartitionValue}. */
export function decodePartitionValue(value: string): string {
    return decodeURIComponent(value);
}

/** UTC day and hour of an ISO-8601 timestamp with offset or Z. */
export function eventTimeParts(occurredAt: unknown): { dt: string; hour: string } {
    if (typeof occurredAt !== "string" || !ISO.test(occurredAt)) {
        throw new PartitionError(`occurredAt must be an ISO-8601 timestamp with seconds and an offset or Z, such as "2026-11-22T10:15:00Z"; received ${JSON.stringify(occurredAt) ?? "nothing"}`);
    }
    const ms = Date.parse(occurredAt);
    if (Number.isNaN(ms)) throw new PartitionError(`occurredAt must be a real date and time; received ${JSON.stringify(occurredAt)}`);
    const iso = new Date(ms).toISOString();
    return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/**
 * Partition keys of one event: its registered `type` and the UTC day and hour
 * of the type's partition time field (`occurredAt`); `source` is checked, it
 * stays a column. `registry` defaults to the platform's.
 */
export function partitionKeysOf(event: unknown): PartitionKeys {
    return partitionKeysIn(platformEventTypes, event);
}

/** {@link partitionKeysOf} against another registry (tests, a team's own registry). */
export function partitionKeysIn(registry: EventTypeRegistry, event: unknown): PartitionKeys {
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
        throw new PartitionError(`event must be a JSON object; received ${Array.isArray(event) ? "an array" : JSON.stringify(event)}`);
    }
    const e = event as Record<string, unknown>;
    if (typeof e.type !== "string" || !TYPE.test(e.type)) {
        throw new PartitionError(`type must be a lower-case event type such as "search"; received ${JSON.stringify(e.type) ?? "nothing"}`);
    }
    const partition = registry.lakePartitionOf(e.type);
    if (partition === undefined) {
        throw new PartitionError(`type must be one of the registered event types (${registry.names.map((t) => JSON.stringify(t)).join(", ")}); received ${JSON.stringify(e.type)}`);
    }
    if (typeof e.source !== "string" || e.source.length === 0 || e.source.length > 128) {
        throw new PartitionError(`source must be a string of 1 to 128 characters; received ${JSON.stringify(e.source) ?? "nothing"}`);
    }
    const { dt, hour } = eventTimeParts(e[partition.timeField]);
    return { type: e.type, dt, hour };
}

/** `data/type=<type>/dt=<YYYY-MM-DD>/hour=<HH>/` */
export function partitionPrefix(keys: PartitionKeys): string {
    return `${DATA_PREFIX}type=${keys.type}/dt=${keys.dt}/hour=${keys.hour}/`;
}

/** Prefix of an event (convenience for `partitionPrefix(partitionKeysOf(event))`). */
export function prefixOf(event: unknown): string {
    return partitionPrefix(partitionKeysOf(event));
}

/** Stable string identity of a partition (for grouping buffers). */
export function partitionId(keys: PartitionKeys): string {
    return partitionPrefix(keys);
}

/** The `type=` values the lake holds (the registered event types), for the Glue projection and pond listings. */
export function partitionTypes(registry: EventTypeRegistry = platformEventTypes): readonly string[] {
    return registry.names;
}

/** Parses a data key back into its partition keys; undefined for keys outside `data/`. */
export function parseDataKey(key: string): PartitionKeys | undefined {
    const m = /^data\/type=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//.exec(key);
    return m ? { type: m[1], dt: m[2], hour: m[3] } : undefined;
}

function pad(n: number, w = 2): string {
    return String(n).padStart(w, "0");
}

/**
 * Object name as Firehose writes it: `<stream>-1-<yyyy-MM-dd-HH-mm-ss>-<id>.json.gz`
 * (the UTC time the buffer was flushed).
 */
export function objectName(streamName: string, flushedAt: Date, id: string): string {
    if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(streamName)) {
        throw new PartitionError(`streamName must be 1 to 64 characters of [a-zA-Z0-9_.-]; received ${JSON.stringify(streamName)}`);
    }
    const d = flushedAt;
    const ts = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
    return `${streamName}-1-${ts}-${id}${OBJECT_EXTENSION}`;
}

/** Error prefix for a failure kind, e.g. `errors/processing-failed/dt=2026-11-22/`. */
export function errorPrefix(errorOutputType: string, at: Date): string {
    return `${ERRORS_PREFIX}${errorOutputType}/dt=${at.toISOString().slice(0, 10)}/`;
}

/** One newline-terminated JSON line per event (what lake objects contain, before gzip). */
export function toJsonLine(event: unknown): string {
    return `${JSON.stringify(event)}\n`;
}
