/**
 * The event-type registry: from the type declarations (one file per type in
 * this folder, listed in ./index.ts) it builds everything that depends on the
 * set of types, so adding a type touches that folder and nothing else:
 *
 * - validation: the zod schemas with the exact messages (`validateFull`) and
 *   the compiled fast path (`isValid`); `validateAt` runs the fast path and
 *   falls back to the full validator only when it fails, for the messages;
 * - the lake partition of each type (functions/lake/partitioning.ts);
 * - the Glue table columns (components/lake/LakeCatalog.ts) and the pond SQL
 *   input columns (`pondColumns`, DuckDB types);
 * - the docs table (docs/event-types.md, `docsTable`).
 *
 * Pure: no I/O, no @pulumi imports.
 */
import { z } from "zod";
import { DATETIME_PATTERN, EARLIEST_DAY, LATEST_DAY, MAX_ID_CHARS, dayInBounds, DATE_PATTERN, describeReceived, f, timestampBoundProblem, timestampInBounds, timestampMs, timestampParsable, type Field } from "./fields";

/** A rule spanning two fields, checked once both are valid on their own. */
export type CrossFieldRule =
    /** `second` must differ from `first` (route endpoints). */
    | { readonly kind: "differ"; readonly first: string; readonly second: string }
    /** Calendar date `field` must not be before calendar date `other`. */
    | { readonly kind: "notBefore"; readonly field: string; readonly other: string };

/** Where an event of the type lands in the lake. */
export interface LakePartition {
    /**
     * The timestamp whose UTC day and hour give `dt` and `hour`. Only
     * `occurredAt` today: the producer frames a flush by (type, occurredAt's
     * UTC hour), and one frame becomes one Firehose record with one set of keys.
     */
    readonly timeField: "occurredAt";
}

export interface EventTypeDefinition {
    /** The `type` value, also the lake's `type=` partition value: lower-case letters and `_`, 1 to 32. */
    readonly name: string;
    /** One sentence for the docs table. */
    readonly description: string;
    /** Who produces it (docs). */
    readonly producedBy: string;
    /** The type's own fields after the envelope (eventId, type, occurredAt, source), in order. */
    readonly fields: Readonly<Record<string, Field>>;
    /** Cross-field rules, in the order their errors are listed. */
    readonly rules?: readonly CrossFieldRule[];
    readonly lake: LakePartition;
    /** Dotted paths of the route's endpoints (for routeOf), when the type concerns a route. */
    readonly route?: { readonly origin: string; readonly destination: string };
    /** Dotted path of the departure date (for departureDateOf), when the type has one. */
    readonly departureDate?: string;
    /** A valid event of the type (docs, tests). */
    readonly example: Readonly<Record<string, unknown>>;
}

/**
 * The routing part of a type that concerns a route (every type today): the endpoints at the dotted
 * paths `origin` and `destination` must differ (the first rule, then `more`), `departureDate` is the
 * dotted path of the departure day, and the lake partitions by `occurredAt`.
 */
export function routed(origin: string, destination: string, departureDate: string, ...more: CrossFieldRule[]): Pick<EventTypeDefinition, "rules" | "lake" | "route" | "departureDate"> {
    return { rules: [{ kind: "differ", first: origin, second: destination }, ...more], lake: { timeField: "occurredAt" }, route: { origin, destination }, departureDate };
}

export interface ValidateOptions {
    /** Reference time for the occurredAt window; without it only the absolute bounds apply. */
    readonly now?: Date | number;
    /** How far before `now` occurredAt may be, ms. @default 604800000 (7 days) */
    readonly occurredAtMaxAgeMs?: number;
    /** How far after `now` occurredAt may be, ms. @default 300000 (5 minutes) */
    readonly occurredAtMaxFutureMs?: number;
}

export interface ValidationError {
    /** Position of the event in the batch (0 for a single event). */
    readonly index: number;
    /** Dotted path of the offending field (`"flight.carrier"`); `""` for the event itself. */
    readonly path: string;
    readonly message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** Default window around "now" for occurredAt (ingestion). */
export const DEFAULT_OCCURRED_AT_MAX_AGE_MS = 7 * 86_400_000;
export const DEFAULT_OCCURRED_AT_MAX_FUTURE_MS = 5 * 60_000;

/** "7 days", "5 minutes", "90 seconds": the largest whole unit. */
export function describeDuration(ms: number): string {
    const units: [number, string][] = [
        [86_400_000, "day"],
        [3_600_000, "hour"],
        [60_000, "minute"],
        [1000, "second"],
    ];
    for (const [size, name] of units) {
        if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? "" : "s"}`;
    }
    return `${ms} ms`;
}

function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "object") return "an object";
    return `a ${typeof value}`;
}

/** Glue column of the lake's `events` table. */
export interface CatalogColumn {
    readonly name: string;
    readonly type: string;
    readonly comment: string;
}

/** A pond SQL input column (DuckDB `read_json` columns). */
export interface PondColumn {
    readonly name: string;
    readonly duckdb: string;
}

const TYPE_NAME = /^[a-z][a-z_]{0,31}$/;
export const ENVELOPE_FIELDS = ["eventId", "type", "occurredAt", "source"] as const;

/** The envelope every event carries (documented in the docs table; `type` is the partition). */
const ENVELOPE: Readonly<Record<"eventId" | "occurredAt" | "source", Field>> = {
    eventId: f.id("the idempotency key"),
    occurredAt: f.timestamp("event time"),
    source: f.id("the sending site or channel", "who sent the event (the ingestion key's source)"),
};

function get(value: unknown, path: readonly string[]): unknown {
    let v = value;
    for (const k of path) {
        if (typeof v !== "object" || v === null) return undefined;
        v = (v as Record<string, unknown>)[k];
    }
    return v;
}

/** Dotted paths of every bounded leaf of `fields`, in declaration order (depth first). */
function boundedLeaves(fields: Readonly<Record<string, Field>>, prefix: string[] = []): { path: string[]; field: Field }[] {
    const out: { path: string[]; field: Field }[] = [];
    for (const [k, fl] of Object.entries(fields)) {
        if (fl.fields) out.push(...boundedLeaves(fl.fields, [...prefix, k]));
        else if (fl.bound) out.push({ path: [...prefix, k], field: fl });
    }
    return out;
}

interface CompiledType {
    readonly def: EventTypeDefinition;
    readonly schema: z.ZodType;
    readonly checks: readonly (readonly [string, (v: unknown) => boolean])[];
    readonly rules: readonly { kind: CrossFieldRule["kind"]; a: string[]; b: string[]; aPath: string; bPath: string }[];
    readonly bounded: readonly { path: string[]; dotted: string; field: Field }[];
}

export class EventTypeRegistry {
    /** Type names, in registry order. */
    readonly names: readonly string[];
    readonly definitions: readonly EventTypeDefinition[];
    /** Envelope-only schema (extra fields kept): what is reported when the type is unknown. */
    readonly envelopeSchema: z.ZodType;
    private readonly byName = new Map<string, CompiledType>();
    private readonly envelopeShape: Record<string, z.ZodType>;

    constructor(definitions: readonly EventTypeDefinition[]) {
        if (definitions.length === 0) throw new RangeError("EventTypeRegistry: `definitions` must hold at least one event type; received none");
        this.definitions = definitions;
        this.names = definitions.map((d) => d.name);
        for (const d of definitions) {
            if (typeof d.name !== "string" || !TYPE_NAME.test(d.name)) {
                throw new RangeError(`EventTypeRegistry: event type \`name\` must be 1 to 32 lower-case letters or _ starting with a letter (it is the lake's type= value); received ${JSON.stringify(d.name)}`);
            }
            if (this.names.indexOf(d.name) !== this.names.lastIndexOf(d.name)) {
                throw new RangeError(`EventTypeRegistry: event type "${d.name}" is declared twice; each name must be unique`);
            }
            for (const k of Object.keys(d.fields)) {
                if ((ENVELOPE_FIELDS as readonly string[]).includes(k)) {
                    throw new RangeError(`EventTypeRegistry: event type "${d.name}" declares field \`${k}\`, which is an envelope field (${ENVELOPE_FIELDS.join(", ")}); declare only the type's own fields`);
                }
            }
            if (d.lake?.timeField !== "occurredAt") {
                throw new RangeError(`EventTypeRegistry: event type "${d.name}" \`lake.timeField\` must be "occurredAt" (the producer frames by occurredAt's UTC hour); received ${JSON.stringify(d.lake?.timeField)}`);
            }
        }
        const names = this.names as [string, ...string[]];
        this.envelopeShape = {
            eventId: ENVELOPE.eventId.zod("eventId"),
            type: z.enum(names, {
                error: (iss: { input?: unknown }) => (iss.input === undefined ? "type is required" : `type must be one of ${names.map((t) => JSON.stringify(t)).join(", ")}; received ${describeReceived(iss.input)}`),
            }),
            occurredAt: ENVELOPE.occurredAt.zod("occurredAt"),
            source: ENVELOPE.source.zod("source"),
        };
        this.envelopeSchema = z.looseObject(this.envelopeShape);
        for (const d of definitions) this.byName.set(d.name, this.compile(d));
        // Fail at construction (not at deploy) when two types disagree on a shared column.
        this.catalogColumns();
    }

    private compile(d: EventTypeDefinition): CompiledType {
        const shape: Record<string, z.ZodType> = { ...this.envelopeShape, type: z.literal(d.name) };
        for (const [k, fl] of Object.entries(d.fields)) shape[k] = fl.zod(k);
        const paths = (p: string) => p.split(".");
        const rules = (d.rules ?? []).map((r) => {
            const [aPath, bPath] = r.kind === "differ" ? [r.first, r.second] : [r.field, r.other];
            for (const p of [aPath, bPath]) {
                if (!leafOf(d.fields, paths(p))) throw new RangeError(`EventTypeRegistry: event type "${d.name}" rule ${r.kind} names \`${p}\`, which is not one of its fields`);
            }
            return { kind: r.kind, a: paths(aPath), b: paths(bPath), aPath, bPath };
        });
        return {
            def: d,
            schema: z.looseObject(shape),
            checks: Object.entries(d.fields).map(([k, fl]) => [k, fl.check] as const),
            rules,
            bounded: boundedLeaves(d.fields).map((b) => ({ ...b, dotted: b.path.join(".") })),
        };
    }

    has(type: unknown): boolean {
        return typeof type === "string" && this.byName.has(type);
    }

    definition(type: string): EventTypeDefinition | undefined {
        return this.byName.get(type)?.def;
    }

    /** The zod schema of one type (envelope included, extra fields kept). */
    schemaOf(type: string): z.ZodType | undefined {
        return this.byName.get(type)?.schema;
    }

    /**
     * The compiled fast path: true exactly when the full validator accepts
     * `value` with these options (property-tested against `validateFull`).
     * No zod, no allocation for a valid event.
     */
    isValid(value: unknown, options: ValidateOptions = {}): boolean {
        if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
        const v = value as Record<string, unknown>;
        const t = this.byName.get(v.type as string);
        if (t === undefined || typeof v.type !== "string") return false;
        const id = v.eventId;
        if (typeof id !== "string" || id.length < 1 || id.length > MAX_ID_CHARS) return false;
        const src = v.source;
        if (typeof src !== "string" || src.length < 1 || src.length > MAX_ID_CHARS) return false;
        const at = v.occurredAt;
        if (typeof at !== "string" || !DATETIME_PATTERN.test(at) || !timestampInBounds(at)) return false;
        if (options.now !== undefined && !inWindow(at, options)) return false;
        const checks = t.checks;
        for (let i = 0; i < checks.length; i++) if (!checks[i][1](v[checks[i][0]])) return false;
        const rules = t.rules;
        for (let i = 0; i < rules.length; i++) {
            const r = rules[i];
            const a = get(v, r.a);
            const b = get(v, r.b);
            if (r.kind === "differ" ? a === b : a !== undefined && b !== undefined && (a as string) < (b as string)) return false;
        }
        return true;
    }

    /** The full validator: every problem, with the exact messages. */
    validateFull(value: unknown, index: number, options: ValidateOptions = {}): ValidationError[] {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            return [{ index, path: "", message: `event must be a JSON object; received ${kindOf(value)}` }];
        }
        const type = (value as { type?: unknown }).type;
        const t = typeof type === "string" ? this.byName.get(type) : undefined;
        if (t === undefined) {
            // Unknown or missing type: report it together with every envelope problem.
            const result = this.envelopeSchema.safeParse(value);
            return result.success ? [] : toErrors(index, result.error.issues);
        }
        const result = t.schema.safeParse(value);
        return [...(result.success ? [] : toErrors(index, result.error.issues)), ...crossFieldErrors(index, t, value as Record<string, unknown>), ...boundErrors(index, t, value as Record<string, unknown>, options)];
    }

    /** Fast path first; the full validator only when it fails (for the messages). */
    validateAt<T>(value: unknown, index: number, options: ValidateOptions = {}): ValidationResult<T> {
        if (this.isValid(value, options)) return { ok: true, value: value as T };
        const errors = this.validateFull(value, index, options);
        // The fast path and the full validator agree (tests/shared/fast-validator.test.ts); if they
        // ever did not, the full validator's verdict stands: nothing valid is rejected.
        return errors.length === 0 ? { ok: true, value: value as T } : { ok: false, errors };
    }

    validateBatch<T>(values: readonly unknown[], options: ValidateOptions = {}): ValidationResult<T[]> {
        const events: T[] = [];
        let errors: ValidationError[] | undefined;
        for (let index = 0; index < values.length; index++) {
            const r = this.validateAt<T>(values[index], index, options);
            if (r.ok) events.push(r.value);
            else (errors ??= []).push(...r.errors);
        }
        return errors === undefined ? { ok: true, value: events } : { ok: false, errors };
    }

    /** Lake partition of a type (functions/lake/partitioning.ts). */
    lakePartitionOf(type: string): LakePartition | undefined {
        return this.byName.get(type)?.def.lake;
    }

    /**
     * Glue columns of the lake's `events` table: the envelope (`type` is a
     * partition key), then every type's fields in registry order, a field
     * shared by several types once (nested structs merged), its comment naming
     * the types that carry it. Throws when two types give one column two types.
     */
    catalogColumns(): CatalogColumn[] {
        return this.mergedColumns().map((c) => ({ name: c.name.toLowerCase(), type: glueType(c.field), comment: c.comment }));
    }

    /** Pond SQL input columns (DuckDB types, the JSON field names), same order as catalogColumns. */
    pondColumns(types?: readonly string[]): PondColumn[] {
        for (const t of types ?? []) {
            if (!this.byName.has(t)) throw new RangeError(`pondColumns: \`types\` must name registered event types (${this.names.join(", ")}); received ${JSON.stringify(t)}`);
        }
        return this.mergedColumns(types).map((c) => ({ name: c.name, duckdb: duckdbType(c.field) }));
    }

    private mergedColumns(only?: readonly string[]): { name: string; field: Field; comment: string }[] {
        const cols = new Map<string, { name: string; field: Field; types: string[]; doc: string }>();
        const envelope = [
            ["eventId", ENVELOPE.eventId, "idempotency key"],
            ["source", ENVELOPE.source, "who sent the event (the ingestion key's source)"],
            ["occurredAt", ENVELOPE.occurredAt, "ISO-8601 event time with offset"],
        ] as const;
        const out: { name: string; field: Field; comment: string }[] = envelope.map(([name, field, comment]) => ({ name, field, comment }));
        for (const d of this.definitions) {
            if (only && !only.includes(d.name)) continue;
            for (const [k, fl] of Object.entries(d.fields)) {
                const key = k.toLowerCase();
                const seen = cols.get(key);
                if (!seen) cols.set(key, { name: k, field: fl, types: [d.name], doc: fl.doc });
                else {
                    seen.field = mergeField(seen.field, fl, k, seen.types, d.name);
                    seen.types.push(d.name);
                }
            }
        }
        for (const c of cols.values()) out.push({ name: c.name, field: c.field, comment: `${c.types.join(", ")}: ${c.doc}` });
        return out;
    }

    /** The generated docs table (docs/event-types.md between its markers). */
    docsTable(): string {
        const lines: string[] = [];
        lines.push("| type | produced by | fields (after the envelope) | rules | lake partition |");
        lines.push("|---|---|---|---|---|");
        for (const d of this.definitions) {
            const fields = describeFields(d.fields).join("<br>");
            const rules = (d.rules ?? []).map((r) => (r.kind === "differ" ? `\`${r.second}\` ≠ \`${r.first}\`` : `\`${r.field}\` ≥ \`${r.other}\``)).join("<br>") || "—";
            lines.push(`| \`${d.name}\` | ${d.producedBy} | ${d.description}<br>${fields} | ${rules} | \`data/type=${d.name}/dt=<UTC day of ${d.lake.timeField}>/hour=<HH>/\` |`);
        }
        lines.push("");
        lines.push(
            `Envelope (every type): ${describeFields({ eventId: ENVELOPE.eventId, type: f.oneOf(this.names as [string, ...string[]], "event type"), occurredAt: ENVELOPE.occurredAt, source: ENVELOPE.source }).join("; ")}. Unknown extra fields are kept.`,
        );
        return lines.join("\n");
    }
}

function leafOf(fields: Readonly<Record<string, Field>>, path: readonly string[]): Field | undefined {
    let cur: Readonly<Record<string, Field>> | undefined = fields;
    let fl: Field | undefined;
    for (const k of path) {
        fl = cur?.[k];
        if (!fl) return undefined;
        cur = fl.fields;
    }
    return fl;
}

function describeFields(fields: Readonly<Record<string, Field>>, prefix = ""): string[] {
    const out: string[] = [];
    for (const [k, fl] of Object.entries(fields)) {
        const name = `${prefix}${k}${fl.optional ? "?" : ""}`;
        if (fl.fields) {
            out.push(`\`${name}\`: ${fl.doc}`);
            out.push(...describeFields(fl.fields, `${prefix}${k}.`));
        } else out.push(`\`${name}\`: ${fl.describe}`);
    }
    return out;
}

function glueType(fl: Field): string {
    return fl.glue;
}

function duckdbType(fl: Field): string {
    return fl.duckdb;
}

/** Merges two declarations of one column: same kind of leaf, or structs merged field by field. */
function mergeField(a: Field, b: Field, name: string, aTypes: readonly string[], bType: string): Field {
    if (a.fields && b.fields) {
        const merged: Record<string, Field> = { ...a.fields };
        for (const [k, fl] of Object.entries(b.fields)) merged[k] = merged[k] ? mergeField(merged[k], fl, `${name}.${k}`, aTypes, bType) : fl;
        return f.object(merged, a.doc);
    }
    if (a.glue !== b.glue || a.duckdb !== b.duckdb) {
        throw new RangeError(`EventTypeRegistry: column \`${name}\` is ${a.glue} in ${aTypes.join(", ")} but ${b.glue} in ${bType}; one lake column has one type, so rename the field of "${bType}"`);
    }
    return a;
}

function toErrors(index: number, issues: readonly z.core.$ZodIssue[]): ValidationError[] {
    const seen = new Set<string>();
    const out: ValidationError[] = [];
    for (const issue of issues) {
        const path = issue.path.map(String).join(".");
        const key = `${path}\u0000${issue.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ index, path, message: issue.message });
    }
    return out;
}

const isCalendarDate = (d: unknown): d is string => typeof d === "string" && DATE_PATTERN.test(d);

/**
 * Rules spanning two fields, checked on the raw value whatever else is wrong
 * (so every problem is listed), and only once both fields are valid on their own.
 */
function crossFieldErrors(index: number, t: CompiledType, value: Record<string, unknown>): ValidationError[] {
    const errors: ValidationError[] = [];
    for (const r of t.rules) {
        const a = get(value, r.a);
        const b = get(value, r.b);
        if (r.kind === "differ") {
            const leaf = leafOf(t.def.fields, r.a)!;
            if (leaf.check(a) && a === b) {
                errors.push({ index, path: r.bPath, message: `${r.bPath} must differ from ${r.aPath}; both are ${JSON.stringify(a)}` });
            }
        } else if (isCalendarDate(a) && isCalendarDate(b) && a < b) {
            // YYYY-MM-DD strings compare in date order.
            errors.push({ index, path: r.aPath, message: `${r.aPath} must not be before ${r.bPath} (${b}); received "${a}"` });
        }
    }
    return errors;
}

function inWindow(at: string, options: ValidateOptions): boolean {
    const now = typeof options.now === "number" ? options.now : options.now!.getTime();
    const t = timestampMs(at); // `at` matched DATETIME_PATTERN (isValid checks it first)
    return !(t < now - (options.occurredAtMaxAgeMs ?? DEFAULT_OCCURRED_AT_MAX_AGE_MS)) && !(t > now + (options.occurredAtMaxFutureMs ?? DEFAULT_OCCURRED_AT_MAX_FUTURE_MS));
}

/**
 * Bounds (docs/analytics.md "Bounds"), checked on fields that are valid on their
 * own, so every store accepts what passes.
 */
function boundErrors(index: number, t: CompiledType, value: Record<string, unknown>, options: ValidateOptions): ValidationError[] {
    const errors: ValidationError[] = [];
    const at = value.occurredAt;
    // Checked on any string the bound parser reads (not only on ones the schema accepts),
    // exactly as before the registry: the messages stay byte-identical.
    if (typeof at === "string" && timestampParsable(at)) {
        const problem = timestampBoundProblem("occurredAt", at);
        if (problem !== undefined) errors.push({ index, path: "occurredAt", message: problem });
        else if (options.now !== undefined) {
            const now = typeof options.now === "number" ? options.now : options.now.getTime();
            const ms = Date.parse(at);
            const maxAge = options.occurredAtMaxAgeMs ?? DEFAULT_OCCURRED_AT_MAX_AGE_MS;
            const maxFuture = options.occurredAtMaxFutureMs ?? DEFAULT_OCCURRED_AT_MAX_FUTURE_MS;
            const nowIso = () => new Date(now).toISOString().replace(".000Z", "Z");
            if (ms < now - maxAge) {
                errors.push({ index, path: "occurredAt", message: `occurredAt must be at most ${describeDuration(maxAge)} before now (${nowIso()}); received "${at}"` });
            } else if (ms > now + maxFuture) {
                errors.push({ index, path: "occurredAt", message: `occurredAt must be at most ${describeDuration(maxFuture)} after now (${nowIso()}); received "${at}"` });
            }
        }
    }
    for (const b of t.bounded) {
        const v = get(value, b.path);
        if (b.field.bound === "date") {
            if (isCalendarDate(v) && !dayInBounds(v)) {
                errors.push({ index, path: b.dotted, message: `${b.dotted} must be a date from ${EARLIEST_DAY} to ${LATEST_DAY}; received "${v}"` });
            }
        } else if (typeof v === "string" && timestampParsable(v)) {
            const problem = timestampBoundProblem(b.dotted, v);
            if (problem !== undefined) errors.push({ index, path: b.dotted, message: problem });
        }
    }
    return errors;
}
