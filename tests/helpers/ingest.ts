/**
 * How tests talk to a running ingestion service: every POST to /v1/events goes
 * through `ingestHeaders`, so the credentials the service requires are added in
 * one place (per-source keys from the platform's `ingest-keys.json`, local/keys.ts).
 */
import { localKeyFor } from "../../local/keys";

/**
 * Headers for `POST /v1/events` as `source` (default: the first local source)
 * on the platform whose data folder is `platformDir` (`Platform.dirs.root`, where
 * `ingest-keys.json` lives).
 */
export function ingestHeaders(platformDir: string, source?: string, contentType = "application/json"): Record<string, string> {
    return { "content-type": contentType, authorization: `Bearer ${localKeyFor(platformDir, source).key}` };
}

/** POSTs a JSON body to `${ingestUrl}/v1/events` with `ingestHeaders`. */
export function postEvents(ingestUrl: string, platformDir: string, body: unknown, source?: string): Promise<Response> {
    return fetch(`${ingestUrl}/v1/events`, { method: "POST", headers: ingestHeaders(platformDir, source), body: JSON.stringify(body) });
}
