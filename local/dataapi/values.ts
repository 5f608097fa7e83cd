/**
 * Conversions between the Data API's JSON shapes (Field, SqlParameter,
 * ColumnMetadata) and PostgreSQL text values.
 */
import { badRequest } from "./errors";
import type { EngineField, EngineParam, SourceColumn, TypeInfo } from "./engine";
import { PgArray, formatPgArray, parsePgArray } from "./pgarray";

/** Wire shape of `ArrayValue`. */
export interface ArrayValueJson {
    booleanValues?: (boolean | null)[];
    longValues?: (number | null)[];
    doubleValues?: (number | null)[];
    stringValues?: (string | null)[];
    arrayValues?: ArrayValueJson[];
}

/** Wire shape of `Field` (a union: exactly one member set). */
export interface FieldJson {
    isNull?: boolean;
    booleanValue?: boolean;
    longValue?: number;
    doubleValue?: number;
    stringValue?: string;
    /** base64 */
    blobValue?: string;
    arrayValue?: ArrayValueJson;
}

export interface SqlParameterJson {
    name?: string;
    value?: FieldJson;
    typeHint?: string;
}

export interface ColumnMetadataJson {
    name: string;
    type: number;
    typeName: string;
    label: string;
    schemaName: string;
    tableName: string;
    isAutoIncrement: boolean;
    isSigned: boolean;
    isCurrency: boolean;
    isCaseSensitive: boolean;
    nullable: number;
    precision: number;
    scale: number;
    arrayBaseColumnType: number;
}

export interface ResultOptions {
    /** resultSetOptions.decimalReturnType @default "STRING" */
    readonly decimalReturnType: "STRING" | "DOUBLE_OR_LONG";
    /** resultSetOptions.longReturnType @default "LONG" */
    readonly longReturnType: "LONG" | "STRING";
}

export const OID = {
    bool: 16,
    bytea: 17,
    int8: 20,
    int2: 21,
    int4: 23,
    text: 25,
    oid: 26,
    json: 114,
    float4: 700,
    float8: 701,
    money: 790,
    boolArray: 1000,
    varcharArray: 1015,
    int8Array: 1016,
    float8Array: 1022,
    bpchar: 1042,
    varchar: 1043,
    date: 1082,
    time: 1083,
    timestamp: 1114,
    timestamptz: 1184,
    timetz: 1266,
    numeric: 1700,
    uuid: 2950,
    jsonb: 3802,
} as const;

/** typeHint → PostgreSQL type the string value is bound as. */
const TYPE_HINTS: Record<string, number> = {
    DATE: OID.date,
    TIME: OID.time,
    TIMESTAMP: OID.timestamp,
    DECIMAL: OID.numeric,
    JSON: OID.json,
    UUID: OID.uuid,
};

const FIELD_MEMBERS = ["isNull", "booleanValue", "longValue", "doubleValue", "stringValue", "blobValue", "arrayValue"] as const;

/** Converts one SqlParameter to an engine parameter, validating its shape. */
export function toEngineParam(p: SqlParameterJson): EngineParam {
    const where = `parameter ${JSON.stringify(p.name)}`;
    const value = p.value;
    if (value === undefined || value === null || typeof value !== "object") {
        throw badRequest(`Invalid ${where}: it has no value.`);
    }
    const set = FIELD_MEMBERS.filter((m) => value[m] !== undefined);
    if (set.length !== 1) {
        throw badRequest(`Invalid ${where}: value must set exactly one of ${FIELD_MEMBERS.join(", ")}; received ${set.length === 0 ? "none" : set.join(", ")}.`);
    }
    if (p.typeHint !== undefined && !(p.typeHint in TYPE_HINTS)) {
        throw badRequest(`Invalid ${where}: typeHint ${JSON.stringify(p.typeHint)} is not one of ${Object.keys(TYPE_HINTS).join(", ")}.`);
    }
    if (p.typeHint !== undefined && set[0] !== "stringValue") {
        throw badRequest(`Invalid ${where}: typeHint ${p.typeHint} applies to stringValue only; received ${set[0]}.`);
    }
    switch (set[0]) {
        case "isNull":
            return { type: 0, value: null };
        case "booleanValue":
            return { type: OID.bool, value: value.booleanValue ? "t" : "f" };
        case "longValue":
            if (!Number.isInteger(value.longValue)) throw badRequest(`Invalid ${where}: longValue must be an integer; received ${String(value.longValue)}.`);
            return { type: OID.int8, value: String(value.longValue) };
        case "doubleValue":
            return { type: OID.float8, value: String(value.doubleValue) };
        case "stringValue":
            return { type: p.typeHint !== undefined ? TYPE_HINTS[p.typeHint] : OID.varchar, value: String(value.stringValue) };
        case "blobValue":
            return { type: OID.bytea, value: new Uint8Array(Buffer.from(String(value.blobValue), "base64")) };
        case "arrayValue":
        default:
            return arrayParam(value.arrayValue!, where);
    }
}

function arrayParam(a: ArrayValueJson, where: string): EngineParam {
    const kind = arrayKind(a, where);
    const type = { booleanValues: OID.boolArray, longValues: OID.int8Array, doubleValues: OID.float8Array, stringValues: OID.varcharArray }[kind];
    return { type, value: formatPgArray(arrayItems(a)) };
}

type ScalarArrayKind = "booleanValues" | "longValues" | "doubleValues" | "stringValues";

function arrayKind(a: ArrayValueJson, where: string): ScalarArrayKind {
    const members = (["booleanValues", "longValues", "doubleValues", "stringValues", "arrayValues"] as const).filter((m) => a[m] !== undefined);
    if (members.length !== 1) {
        throw badRequest(`Invalid ${where}: arrayValue must set exactly one of booleanValues, longValues, doubleValues, stringValues, arrayValues.`);
    }
    if (members[0] === "arrayValues") {
        const inner = a.arrayValues!;
        if (inner.length === 0) throw badRequest(`Invalid ${where}: arrayValues must not be empty.`);
        const kinds = new Set(inner.map((x) => arrayKind(x, where)));
        if (kinds.size !== 1) throw badRequest(`Invalid ${where}: nested arrays must all have the same element type.`);
        return [...kinds][0];
    }
    return members[0];
}

function arrayItems(a: ArrayValueJson): unknown[] {
    if (a.arrayValues) return a.arrayValues.map(arrayItems);
    return (a.booleanValues ?? a.longValues ?? a.doubleValues ?? a.stringValues ?? []) as unknown[];
}

// ---- results ---------------------------------------------------------------

const INTEGER_OIDS = new Set<number>([OID.int2, OID.int4, OID.int8, OID.oid]);
const FLOAT_OIDS = new Set<number>([OID.float4, OID.float8]);

function hexToBase64(raw: string): string {
    return Buffer.from(raw.startsWith("\\x") ? raw.slice(2) : raw, "hex").toString("base64");
}

/** PostgreSQL prints timestamptz with the session zone (UTC here); the Data API returns it without the offset. */
function normaliseText(oid: number, raw: string): string {
    if (oid === OID.timestamptz && raw.endsWith("+00")) return raw.slice(0, -3);
    return raw;
}

function scalarField(raw: string, oid: number, opts: ResultOptions): FieldJson {
    if (oid === OID.bool) return { booleanValue: raw === "t" };
    if (INTEGER_OIDS.has(oid)) return opts.longReturnType === "STRING" ? { stringValue: raw } : { longValue: Number(raw) };
    if (FLOAT_OIDS.has(oid)) {
        const n = Number(raw);
        return Number.isFinite(n) ? { doubleValue: n } : { stringValue: raw };
    }
    if (oid === OID.numeric) {
        if (opts.decimalReturnType === "DOUBLE_OR_LONG") {
            const n = Number(raw);
            if (!Number.isFinite(n)) return { stringValue: raw };
            return /^-?\d+$/.test(raw) ? { longValue: n } : { doubleValue: n };
        }
        return { stringValue: raw };
    }
    if (oid === OID.bytea) return { blobValue: hexToBase64(raw) };
    return { stringValue: normaliseText(oid, raw) };
}

function arrayValue(items: PgArray, elemOid: number, opts: ResultOptions): ArrayValueJson {
    if (items.some((x) => Array.isArray(x))) {
        return { arrayValues: items.map((x) => arrayValue((x ?? []) as PgArray, elemOid, opts)) };
    }
    const flat = items as (string | null)[];
    if (elemOid === OID.bool) return { booleanValues: flat.map((x) => (x === null ? null : x === "t")) };
    if (INTEGER_OIDS.has(elemOid) && opts.longReturnType !== "STRING") return { longValues: flat.map((x) => (x === null ? null : Number(x))) };
    if (FLOAT_OIDS.has(elemOid)) return { doubleValues: flat.map((x) => (x === null ? null : Number(x))) };
    return { stringValues: flat.map((x) => (x === null ? null : normaliseText(elemOid, x))) };
}

/** One result value as a Field union. */
export function toField(raw: string | null, type: TypeInfo | undefined, oid: number, opts: ResultOptions): FieldJson {
    if (raw === null) return { isNull: true };
    if (type?.category === "A" && type.elem !== 0) return { arrayValue: arrayValue(parsePgArray(raw), type.elem, opts) };
    return scalarField(raw, oid, opts);
}

/** One result value for `formatRecordsAs: "JSON"`. */
export function toJsonValue(raw: string | null, type: TypeInfo | undefined, oid: number, opts: ResultOptions): unknown {
    if (raw === null) return null;
    if (type?.category === "A" && type.elem !== 0) {
        const conv = (items: PgArray): unknown[] => items.map((x) => (Array.isArray(x) ? conv(x) : toJsonValue(x, undefined, type.elem, opts)));
        return conv(parsePgArray(raw));
    }
    const f = scalarField(raw, oid, opts);
    if (f.booleanValue !== undefined) return f.booleanValue;
    if (f.longValue !== undefined) return f.longValue;
    if (f.doubleValue !== undefined) return f.doubleValue;
    if (f.blobValue !== undefined) return f.blobValue;
    return f.stringValue;
}

// java.sql.Types codes, as the service reports them in ColumnMetadata.type.
const JDBC: Record<number, { type: number; precision: number; scale: number }> = {
    [OID.bool]: { type: -7, precision: 1, scale: 0 },
    [OID.bytea]: { type: -2, precision: 2147483647, scale: 0 },
    [OID.int2]: { type: 5, precision: 5, scale: 0 },
    [OID.int4]: { type: 4, precision: 10, scale: 0 },
    [OID.int8]: { type: -5, precision: 19, scale: 0 },
    [OID.oid]: { type: -5, precision: 10, scale: 0 },
    [OID.float4]: { type: 7, precision: 8, scale: 8 },
    [OID.float8]: { type: 8, precision: 17, scale: 17 },
    [OID.numeric]: { type: 2, precision: 0, scale: 0 },
    [OID.money]: { type: 8, precision: 0, scale: 0 },
    [OID.text]: { type: 12, precision: 2147483647, scale: 0 },
    [OID.varchar]: { type: 12, precision: 2147483647, scale: 0 },
    [OID.bpchar]: { type: 1, precision: 2147483647, scale: 0 },
    [OID.date]: { type: 91, precision: 13, scale: 0 },
    [OID.time]: { type: 92, precision: 15, scale: 6 },
    [OID.timetz]: { type: 92, precision: 21, scale: 6 },
    [OID.timestamp]: { type: 93, precision: 29, scale: 6 },
    [OID.timestamptz]: { type: 93, precision: 35, scale: 6 },
};
const OTHER = { type: 1111, precision: 2147483647, scale: 0 };
const SIGNED = new Set<number>([OID.int2, OID.int4, OID.int8, OID.float4, OID.float8, OID.numeric, OID.money]);
const CASE_SENSITIVE = new Set<number>([OID.text, OID.varchar, OID.bpchar, OID.json, OID.jsonb, 19]);

const SERIAL_NAMES: Record<number, string> = { [OID.int2]: "smallserial", [OID.int4]: "serial", [OID.int8]: "bigserial" };

/** Precision and scale from the type modifier (numeric(p,s), varchar(n), char(n), time/timestamp(p)), as JDBC reports them. */
function fromModifier(oid: number, mod: number | undefined, fallback: { precision: number; scale: number }): { precision: number; scale: number } {
    if (mod === undefined || mod < 0) return fallback;
    if (oid === OID.numeric) return { precision: ((mod - 4) >> 16) & 0xffff, scale: (mod - 4) & 0xffff };
    if (oid === OID.varchar || oid === OID.bpchar) return { precision: mod - 4, scale: 0 };
    return fallback;
}

/**
 * ColumnMetadata for a result column. Schema, table, nullability and
 * auto-increment come from the source column when the field is a plain table
 * column; computed columns get empty names and nullable 2 (unknown), as JDBC.
 */
export function columnMetadata(field: EngineField, types: ReadonlyMap<number, TypeInfo>, source?: SourceColumn): ColumnMetadataJson {
    const t = types.get(field.typeOid);
    const isArray = t?.category === "A" && t.elem !== 0;
    const jdbc = isArray ? { type: 2003, precision: 2147483647, scale: 0 } : (JDBC[field.typeOid] ?? OTHER);
    const { precision, scale } = fromModifier(field.typeOid, field.typeModifier, jdbc);
    const autoIncrement = source?.autoIncrement ?? false;
    return {
        name: field.name,
        type: jdbc.type,
        typeName: autoIncrement && SERIAL_NAMES[field.typeOid] ? SERIAL_NAMES[field.typeOid] : (t?.name ?? "unknown"),
        label: field.name,
        schemaName: source?.schemaName ?? "",
        tableName: source?.tableName ?? "",
        isAutoIncrement: autoIncrement,
        isSigned: SIGNED.has(field.typeOid),
        isCurrency: field.typeOid === OID.money,
        isCaseSensitive: CASE_SENSITIVE.has(field.typeOid) || isArray,
        nullable: source === undefined ? 2 : source.notNull ? 0 : 1,
        precision,
        scale,
        arrayBaseColumnType: isArray ? (JDBC[t!.elem] ?? OTHER).type : 0,
    };
}
