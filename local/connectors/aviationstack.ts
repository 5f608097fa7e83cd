/**
 * Local stand-in for the AviationStack flights endpoint (the flight-status
 * connector's source): `GET /v1/flights?access_key=KEY&limit=L&offset=O`
 * answers in the recorded shape (`pagination` + `data` with `flight_date`,
 * `flight_status`, `departure`/`arrival` {airport, timezone, iata, icao,
 * terminal, gate, delay, scheduled, estimated, actual, ...}, `airline`,
 * `flight`, `aircraft`, `live`), errors in AviationStack's shape
 * (`{"error": {"code": "invalid_access_key", ...}}`, HTTP 401).
 *
 * Deterministic and changing over time: the flights of a UTC day are a fixed
 * timetable (`flightsPerDay` flights, departures spread over the day, a
 * route, a delay and 1 in 16 cancelled, all derived from the day and the
 * flight's position); at the clock's time each flight is `scheduled`,
 * `active` (between its actual departure and arrival, `live.updated` every
 * 10 minutes) or `landed`; a cancelled one is `cancelled` from two hours
 * before its departure. The endpoint lists the flights of the clock's UTC day.
 * `flightsAt(t)` gives the same list to tests.
 */
import * as http from "http";
import { createHash } from "crypto";
import type { AddressInfo } from "net";
import type { AviationStackFlight } from "../../functions/connectors/flight-status/aviationstack";

export interface FlightsApiOptions {
    /** The one access key accepted. */
    readonly accessKey: string;
    /** @default 0 (a free port) */
    readonly port?: number;
    /** Flights in a day's timetable, 1..1000. @default 48 */
    readonly flightsPerDay?: number;
    /** @default Date.now */
    readonly now?: () => number;
}

export interface FlightsApi {
    readonly url: string;
    /** Requests answered (any status). */
    requests(): number;
    stop(): Promise<void>;
}

const AIRPORTS = [
    { iata: "ZRH", icao: "LSZH", name: "Zurich", tz: "Europe/Zurich" },
    { iata: "LIS", icao: "LPPT", name: "Humberto Delgado", tz: "Europe/Lisbon" },
    { iata: "LHR", icao: "EGLL", name: "Heathrow", tz: "Europe/London" },
    { iata: "CDG", icao: "LFPG", name: "Charles De Gaulle", tz: "Europe/Paris" },
    { iata: "FRA", icao: "EDDF", name: "Frankfurt International Airport", tz: "Europe/Berlin" },
    { iata: "JFK", icao: "KJFK", name: "John F Kennedy International", tz: "America/New_York" },
];
const AIRLINES = [
    { iata: "LX", icao: "SWR", name: "Swiss" },
    { iata: "TP", icao: "TAP", name: "TAP Portugal" },
    { iata: "BA", icao: "BAW", name: "British Airways" },
    { iata: "AF", icao: "AFR", name: "Air France" },
    { iata: "LH", icao: "DLH", name: "Lufthansa" },
];
const MINUTE = 60_000;

function hash(s: string): number {
    return createHash("sha256").update(s).digest().readUInt32BE(0);
}

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "+00:00");

/** The flights the endpoint lists at time `t` (the timetable of t's UTC day, in its state at t). */
export function flightsAt(t: number, flightsPerDay = 48): AviationStackFlight[] {
    const day = new Date(t).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const out: AviationStackFlight[] = [];
    for (let i = 0; i < flightsPerDay; i++) {
        const h = hash(`${day}/${i}`);
        const airline = AIRLINES[i % AIRLINES.length];
        const from = AIRPORTS[h % AIRPORTS.length];
        const to = AIRPORTS[((h % AIRPORTS.length) + 1 + ((h >>> 8) % (AIRPORTS.length - 1))) % AIRPORTS.length];
        const number = String(100 + i * 7 + (h % 5));
        const scheduledDep = dayStart + Math.floor(((i + 0.5) * 24 * 60) / flightsPerDay) * MINUTE;
        const duration = (60 + ((h >>> 4) % 8) * 30) * MINUTE;
        const delay = (h >>> 12) % 4 === 0 ? ((h >>> 16) % 9) * 5 : 0;
        const cancelled = (h >>> 20) % 16 === 0;
        const dep = scheduledDep + delay * MINUTE;
        const arr = dep + duration;
        let status: string;
        if (cancelled) status = t >= scheduledDep - 120 * MINUTE ? "cancelled" : "scheduled";
        else if (t < dep) status = "scheduled";
        else if (t < arr) status = "active";
        else status = "landed";
        const departed = !cancelled && t >= dep;
        const arrived = !cancelled && t >= arr;
        out.push({
            flight_date: day,
            flight_status: status,
            departure: {
                airport: from.name,
                timezone: from.tz,
                iata: from.iata,
                icao: from.icao,
                terminal: String(1 + (h % 3)),
                gate: `${"ABCDE"[h % 5]}${1 + (h % 40)}`,
                delay: delay > 0 ? delay : null,
                scheduled: iso(scheduledDep),
                estimated: iso(dep),
                actual: departed ? iso(dep) : null,
                estimated_runway: departed ? iso(dep) : null,
                actual_runway: departed ? iso(dep + 10 * MINUTE) : null,
            },
            arrival: {
                airport: to.name,
                timezone: to.tz,
                iata: to.iata,
                icao: to.icao,
                terminal: null,
                gate: null,
                baggage: null,
                delay: delay > 0 ? delay : null,
                scheduled: iso(scheduledDep + duration),
                estimated: iso(arr),
                actual: arrived ? iso(arr) : null,
                estimated_runway: null,
                actual_runway: null,
            },
            airline: { name: airline.name, iata: airline.iata, icao: airline.icao },
            flight: { number, iata: `${airline.iata}${number}`, icao: `${airline.icao}${number}`, codeshared: null },
            aircraft: null,
            live:
                status === "active"
                    ? { updated: iso(Math.floor(t / (10 * MINUTE)) * 10 * MINUTE), latitude: 47 - (h % 10), longitude: 8 - (h % 12), altitude: 10000, direction: h % 360, speed_horizontal: 800, speed_vertical: 0, is_ground: false }
                    : null,
        });
    }
    return out;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
}

export async function startFlightsApi(o: FlightsApiOptions): Promise<FlightsApi> {
    const perDay = o.flightsPerDay ?? 48;
    if (!Number.isInteger(perDay) || perDay < 1 || perDay > 1000) throw new RangeError(`\`flightsPerDay\` must be an integer from 1 to 1000; received ${String(o.flightsPerDay)}`);
    if (typeof o.accessKey !== "string" || o.accessKey.length === 0) throw new RangeError("`accessKey` must be a non-empty string; received nothing");
    const now = o.now ?? Date.now;
    let requests = 0;
    const server = http.createServer((req, res) => {
        requests++;
        const u = new URL(req.url ?? "/", "http://localhost");
        if (req.method !== "GET" || u.pathname !== "/v1/flights") return send(res, 404, { error: { code: "404_not_found", message: "The requested resource does not exist." } });
        if (u.searchParams.get("access_key") !== o.accessKey) {
            return send(res, 401, { error: { code: "invalid_access_key", message: "You have not supplied a valid API Access Key. [Technical Support: support@apilayer.com]" } });
        }
        const limit = Number(u.searchParams.get("limit") ?? 100);
        const offset = Number(u.searchParams.get("offset") ?? 0);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) {
            return send(res, 422, { error: { code: "validation_error", message: `limit must be 1..100 and offset >= 0; received limit=${u.searchParams.get("limit")}, offset=${u.searchParams.get("offset")}` } });
        }
        const all = flightsAt(now(), perDay);
        const data = all.slice(offset, offset + limit);
        send(res, 200, { pagination: { limit, offset, count: data.length, total: all.length }, data });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests: () => requests,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
