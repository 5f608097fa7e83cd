/**
 * One poll of the flights endpoint: every page (`limit` per page, `offset`
 * advancing by the page's `count`) until `total` is reached or `maxPages`
 * pages were read, each flight mapped to a `flight_status` event
 * (./event.ts), duplicates within the poll (the same state on two pages when
 * the listing shifts between requests) kept once. I/O comes in as `fetchJson`
 * so the same code runs against AWS's network and the local stand-in.
 */
import { parseFlightsPage } from "./aviationstack";
import { FlightStatusEvent, toFlightStatusEvent } from "./event";

export interface FetchJson {
    (url: string): Promise<{ status: number; body: unknown }>;
}

export interface PollConfig {
    /** API base URL without the version path, e.g. "https://api.aviationstack.com". */
    readonly baseUrl: string;
    readonly accessKey: string;
    /** Flights per page, 1..100 (AviationStack's maximum). @default 100 */
    readonly limit?: number;
    /** Pages per poll at most, 1..1000 (bounds one run's API usage). @default 50 */
    readonly maxPages?: number;
    /** Extra query parameters (e.g. `{ dep_iata: "ZRH" }`). @default - none */
    readonly query?: Readonly<Record<string, string>>;
    /** Source name the events carry. */
    readonly source: string;
}

export interface Skipped {
    readonly reason: string;
    readonly problem: string;
    /** Position in the poll (0-based over every page). */
    readonly index: number;
}

export interface PollResult {
    readonly events: FlightStatusEvent[];
    readonly skipped: Skipped[];
    readonly pages: number;
    /** Flights read over every page. */
    readonly flights: number;
    /** The API's `total` at the last page. */
    readonly total: number;
    /** True when `maxPages` stopped the poll before `total`. */
    readonly truncated: boolean;
}

/** The URL of one page (the access key is a query parameter, as the API wants it). */
export function pageUrl(c: PollConfig, offset: number): string {
    const u = new URL("/v1/flights", c.baseUrl);
    u.searchParams.set("access_key", c.accessKey);
    u.searchParams.set("limit", String(c.limit ?? 100));
    u.searchParams.set("offset", String(offset));
    for (const [k, v] of Object.entries(c.query ?? {})) u.searchParams.set(k, v);
    return u.toString();
}

export function checkPollConfig(c: PollConfig): void {
    const limit = c.limit ?? 100;
    const maxPages = c.maxPages ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError(`\`limit\` must be an integer from 1 to 100 (AviationStack's page size); received ${JSON.stringify(c.limit)}`);
    if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 1000) throw new RangeError(`\`maxPages\` must be an integer from 1 to 1000; received ${JSON.stringify(c.maxPages)}`);
    if (typeof c.accessKey !== "string" || c.accessKey.length === 0) throw new RangeError("`accessKey` must be a non-empty string (the API key from the connector's secret); received nothing");
    if (typeof c.source !== "string" || !/^[a-z0-9][a-z0-9_.-]{0,127}$/.test(c.source)) throw new RangeError(`\`source\` must be 1 to 128 lower-case letters, digits, ".", "_" or "-"; received ${JSON.stringify(c.source)}`);
    try {
        new URL(c.baseUrl);
    } catch {
        throw new RangeError(`\`baseUrl\` must be an absolute URL such as "https://api.aviationstack.com"; received ${JSON.stringify(c.baseUrl)}`);
    }
}

export async function pollFlights(c: PollConfig, fetchJson: FetchJson, polledAtMs: number): Promise<PollResult> {
    checkPollConfig(c);
    const maxPages = c.maxPages ?? 50;
    const seen = new Set<string>();
    const events: FlightStatusEvent[] = [];
    const skipped: Skipped[] = [];
    let offset = 0;
    let pages = 0;
    let flights = 0;
    let total: number;
    for (;;) {
        const r = await fetchJson(pageUrl(c, offset));
        const page = parseFlightsPage(r.status, r.body);
        pages++;
        total = page.pagination.total;
        for (const f of page.data) {
            const m = toFlightStatusEvent(f, c.source, polledAtMs);
            if (!m.ok) skipped.push({ reason: m.reason, problem: m.problem, index: flights });
            else if (!seen.has(m.event.eventId)) {
                seen.add(m.event.eventId);
                events.push(m.event);
            }
            flights++;
        }
        offset = page.pagination.offset + page.pagination.count;
        if (page.pagination.count === 0 || offset >= total) return { events, skipped, pages, flights, total, truncated: false };
        if (pages >= maxPages) return { events, skipped, pages, flights, total, truncated: true };
    }
}
