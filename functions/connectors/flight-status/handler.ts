/**
 * The flight-status connector (Lambda, started by ScheduledSource's
 * EventBridge Scheduler schedule every N minutes; the local platform runs the
 * same function on its scheduler): polls the AviationStack-shaped flights
 * endpoint (./poll.ts), maps each flight to a `flight_status` event
 * (./event.ts), validates and publishes them through the platform's producer
 * (../runtime.ts) and logs one summary line with embedded metrics.
 *
 * Environment: SOURCE_API_URL (base URL), API_KEY_SECRET_ARN (secret
 * `{"apiKey": "..."}`), STREAM_NAME, SOURCE (the events' `source`,
 * default "aviationstack"), CONNECTOR (metric dimension, default
 * "flight-status"), PAGE_LIMIT (1..100, default 100), MAX_PAGES (1..1000,
 * default 50), SOURCE_QUERY (extra query parameters, `k=v&k2=v2`), AWS_REGION;
 * locally also KINESIS_ENDPOINT and SECRETS_ENDPOINT.
 *
 * A run fails (throws) when the API refuses or a publish fails; the Lambda's
 * retries and dead-letter queue take over, and because event ids are
 * deterministic a retried run re-publishes nothing new.
 */
import { ConnectorClients, SecretCache, clientsFromEnv, publishEvents, requireEnv, summaryLine } from "../runtime";
import { FetchJson, PollConfig, pollFlights } from "./poll";

export interface FlightStatusSettings extends Omit<PollConfig, "accessKey"> {
    readonly streamName: string;
    readonly secretId: string;
    readonly connector: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): FlightStatusSettings {
    const int = (k: string): number | undefined => (env[k] === undefined || env[k] === "" ? undefined : Number(env[k]));
    return {
        baseUrl: requireEnv(env, "SOURCE_API_URL"),
        secretId: requireEnv(env, "API_KEY_SECRET_ARN"),
        streamName: requireEnv(env, "STREAM_NAME"),
        source: env.SOURCE || "aviationstack",
        connector: env.CONNECTOR || "flight-status",
        limit: int("PAGE_LIMIT"),
        maxPages: int("MAX_PAGES"),
        query: env.SOURCE_QUERY ? Object.fromEntries(new URLSearchParams(env.SOURCE_QUERY)) : undefined,
    };
}

export interface RunSummary {
    readonly pages: number;
    readonly flights: number;
    readonly total: number;
    readonly truncated: boolean;
    readonly published: number;
    /** Flights not turned into events (mapping) plus events the validator refused. */
    readonly skipped: number;
}

/** Plain `fetch` returning status and parsed JSON (the API answers JSON, errors too). */
export const fetchJson: FetchJson = async (url) => {
    const r = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(20_000) });
    const text = await r.text();
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        body = { error: { code: "not_json", message: `HTTP ${r.status}, body ${JSON.stringify(text.slice(0, 200))}` } };
    }
    return { status: r.status, body };
};

export interface ConnectorDeps {
    readonly clients?: ConnectorClients;
    readonly fetchJson?: FetchJson;
    readonly now?: () => number;
    /** Receives the summary line and warnings. @default console.log */
    readonly log?: (line: string) => void;
}

export function createFlightStatusConnector(settings: FlightStatusSettings, deps: ConnectorDeps = {}) {
    const clients = deps.clients ?? clientsFromEnv();
    const now = deps.now ?? Date.now;
    const log = deps.log ?? ((line: string) => console.log(line));
    const secret = new SecretCache(clients.secrets, settings.secretId, now);
    const get = deps.fetchJson ?? fetchJson;
    return async function run(): Promise<RunSummary> {
        const started = now();
        try {
            const accessKey = await secret.get();
            const poll = await pollFlights({ ...settings, accessKey }, get, started);
            const out = await publishEvents(clients.kinesis, settings.streamName, poll.events, started);
            for (const s of poll.skipped.slice(0, 20)) log(JSON.stringify({ level: "warn", message: "flight skipped", connector: settings.connector, ...s }));
            for (const r of out.rejected.slice(0, 20)) log(JSON.stringify({ level: "warn", message: "event refused by the validator", connector: settings.connector, ...r }));
            const summary: RunSummary = { pages: poll.pages, flights: poll.flights, total: poll.total, truncated: poll.truncated, published: out.published, skipped: poll.skipped.length + out.rejected.length };
            log(summaryLine(settings.connector, { ...summary, failed: false, durationMs: now() - started }, now()));
            return summary;
        } catch (err) {
            log(summaryLine(settings.connector, { published: 0, skipped: 0, failed: true, error: (err as Error).message, durationMs: now() - started }, now()));
            throw err;
        }
    };
}

let run: (() => Promise<RunSummary>) | undefined;

/** Lambda entry point (the scheduler's input is ignored: every run polls the current state). */
export async function handler(): Promise<RunSummary> {
    run ??= createFlightStatusConnector(settingsFromEnv());
    return run();
}
