/**
 * The AviationStack `flights` endpoint (the connector's source), as far as the
 * connector reads it: `GET <base>/v1/flights?access_key=KEY&limit=L&offset=O`
 * answers `{ pagination: { limit, offset, count, total }, data: [flight...] }`
 * or, on a refused request, `{ error: { code, message } }` (e.g.
 * `invalid_access_key`, `usage_limit_reached`).
 *
 * Pure: the shapes and the checks of one page.
 */

/** AviationStack's `flight_status` values. */
export const AVIATIONSTACK_STATUSES = ["scheduled", "active", "landed", "cancelled", "incident", "diverted"] as const;

export interface AviationStackEnd {
    readonly airport?: string | null;
    readonly timezone?: string | null;
    readonly iata?: string | null;
    readonly icao?: string | null;
    readonly terminal?: string | null;
    readonly gate?: string | null;
    readonly baggage?: string | null;
    /** Minutes. */
    readonly delay?: number | null;
    readonly scheduled?: string | null;
    readonly estimated?: string | null;
    readonly actual?: string | null;
    readonly estimated_runway?: string | null;
    readonly actual_runway?: string | null;
}

export interface AviationStackFlight {
    /** Local departure day, YYYY-MM-DD. */
    readonly flight_date?: string | null;
    readonly flight_status?: string | null;
    readonly departure?: AviationStackEnd | null;
    readonly arrival?: AviationStackEnd | null;
    readonly airline?: { readonly name?: string | null; readonly iata?: string | null; readonly icao?: string | null } | null;
    readonly flight?: { readonly number?: string | null; readonly iata?: string | null; readonly icao?: string | null; readonly codeshared?: unknown } | null;
    readonly aircraft?: { readonly registration?: string | null; readonly iata?: string | null; readonly icao?: string | null; readonly icao24?: string | null } | null;
    readonly live?: { readonly updated?: string | null; readonly is_ground?: boolean | null; readonly [k: string]: unknown } | null;
}

export interface AviationStackPagination {
    readonly limit: number;
    readonly offset: number;
    readonly count: number;
    readonly total: number;
}

export interface AviationStackPage {
    readonly pagination: AviationStackPagination;
    readonly data: readonly AviationStackFlight[];
}

export class SourceApiError extends Error {
    constructor(
        message: string,
        readonly code?: string,
    ) {
        super(message);
        this.name = "SourceApiError";
    }
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;

/** Checks one response body; throws SourceApiError naming what is wrong (the API's own error included). */
export function parseFlightsPage(status: number, body: unknown): AviationStackPage {
    const b = body as { error?: { code?: unknown; message?: unknown }; pagination?: Partial<AviationStackPagination>; data?: unknown };
    if (b && typeof b === "object" && b.error && typeof b.error === "object") {
        throw new SourceApiError(`the flights API refused the request (HTTP ${status}): ${String(b.error.code ?? "error")}: ${String(b.error.message ?? "no message")}`, typeof b.error.code === "string" ? b.error.code : undefined);
    }
    if (status !== 200) throw new SourceApiError(`the flights API answered HTTP ${status} (expected 200 with pagination and data)`);
    if (!b || typeof b !== "object" || !b.pagination || typeof b.pagination !== "object") {
        throw new SourceApiError(`the flights API answer must hold \`pagination\` {limit, offset, count, total}; received ${JSON.stringify(body)?.slice(0, 200)}`);
    }
    const p = b.pagination;
    for (const k of ["limit", "offset", "count", "total"] as const) {
        if (!isCount(p[k])) throw new SourceApiError(`the flights API answer's \`pagination.${k}\` must be an integer >= 0; received ${JSON.stringify(p[k]) ?? "nothing"}`);
    }
    if (!Array.isArray(b.data)) throw new SourceApiError(`the flights API answer's \`data\` must be a list of flights; received ${JSON.stringify(b.data)?.slice(0, 200) ?? "nothing"}`);
    if (b.data.length !== p.count) throw new SourceApiError(`the flights API answer's \`pagination.count\` (${p.count}) must equal the flights in \`data\` (${b.data.length})`);
    return { pagination: p as AviationStackPagination, data: b.data as AviationStackFlight[] };
}
