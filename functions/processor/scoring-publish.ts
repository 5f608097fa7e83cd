/**
 * Publishing scoring results to EventBridge (outbox, like the alerts): deals
 * and price adjustments are recorded in the chunk's transaction with
 * `published_at` NULL; after the batch, those of the last day still pending
 * are sent (PutEvents, 10 per call) and marked published. A failed publish
 * leaves them for the next invocation (at least once; `id` = source/eventId
 * lets a consumer drop repeats). Without `SCORING_EVENT_BUS_NAME` nothing is sent.
 *
 * Events: source `flightstream.analytics`, detail-types `Deal offer` and
 * `Price adjustment`, detail = the row as `GET /v1/deals` / `GET /v1/price-adjustments` show it.
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { DataApi } from "../shared/db/dataapi";
import { DEALS_SELECT, PRICE_ADJUSTMENTS_SELECT, dealView, priceAdjustmentView } from "../insights/scoring-queries";

export const SCORING_EVENT_SOURCE = "flightstream.analytics";
export const DEAL_DETAIL_TYPE = "Deal offer";
export const PRICE_ADJUSTMENT_DETAIL_TYPE = "Price adjustment";

export interface ScoringEvent {
    readonly detailType: string;
    readonly time: string;
    readonly detail: Record<string, unknown>;
}

export interface ScoringPublisher {
    publish(events: readonly ScoringEvent[]): Promise<void>;
}

export function eventBridgeScoringPublisher(busName: string, client: EventBridgeClient): ScoringPublisher {
    return {
        async publish(events) {
            for (let i = 0; i < events.length; i += 10) {
                const out = await client.send(
                    new PutEventsCommand({
                        Entries: events.slice(i, i + 10).map((e) => ({ EventBusName: busName, Source: SCORING_EVENT_SOURCE, DetailType: e.detailType, Time: new Date(e.time), Detail: JSON.stringify(e.detail) })),
                    }),
                );
                if ((out.FailedEntryCount ?? 0) > 0) throw new Error(`EventBridge PutEvents rejected ${out.FailedEntryCount} scoring event(s).`);
            }
        },
    };
}

/** The publisher configured by SCORING_EVENT_BUS_NAME (EVENTBRIDGE_ENDPOINT override), or none. */
export function scoringPublisherFromEnv(env: Record<string, string | undefined> = process.env): ScoringPublisher | undefined {
    if (!env.SCORING_EVENT_BUS_NAME) return undefined;
    return eventBridgeScoringPublisher(env.SCORING_EVENT_BUS_NAME, new EventBridgeClient({ region: env.AWS_REGION ?? "us-east-1", ...(env.EVENTBRIDGE_ENDPOINT ? { endpoint: env.EVENTBRIDGE_ENDPOINT } : {}) }));
}

const PENDING_DEALS = `${DEALS_SELECT} WHERE d.published_at IS NULL AND d.flagged_at > now() - interval '1 day' ORDER BY d.flagged_at LIMIT :limit`;
const PENDING_ADJUSTMENTS = `${PRICE_ADJUSTMENTS_SELECT} WHERE a.published_at IS NULL AND a.scored_at > now() - interval '1 day' ORDER BY a.scored_at LIMIT :limit`;
const MARK_DEALS = `UPDATE offer_deals SET published_at = now() WHERE (source, event_id) IN (SELECT k.source, k.event_id FROM jsonb_to_recordset(:keys::jsonb) AS k(source text, event_id text))`;
const MARK_ADJUSTMENTS = `UPDATE price_adjustments SET published_at = now() WHERE (source, event_id) IN (SELECT k.source, k.event_id FROM jsonb_to_recordset(:keys::jsonb) AS k(source text, event_id text))`;

/** Sends pending deals and price adjustments (up to `limit` of each), then marks them published. Returns how many were sent. */
export async function publishPendingScores(db: DataApi, publisher: ScoringPublisher, limit = 500): Promise<number> {
    let sent = 0;
    const deals = (await db.query(PENDING_DEALS, { limit })).map(dealView);
    if (deals.length > 0) {
        await publisher.publish(deals.map((d) => ({ detailType: DEAL_DETAIL_TYPE, time: d.occurredAt, detail: { kind: "deal", ...d } })));
        await db.execute(MARK_DEALS, { keys: { json: deals.map((d) => ({ source: d.source, event_id: d.eventId })) } });
        sent += deals.length;
    }
    const adjustments = (await db.query(PENDING_ADJUSTMENTS, { limit })).map(priceAdjustmentView);
    if (adjustments.length > 0) {
        await publisher.publish(adjustments.map((a) => ({ detailType: PRICE_ADJUSTMENT_DETAIL_TYPE, time: a.occurredAt, detail: { kind: "price-adjustment", ...a } })));
        await db.execute(MARK_ADJUSTMENTS, { keys: { json: adjustments.map((a) => ({ source: a.source, event_id: a.eventId })) } });
        sent += adjustments.length;
    }
    return sent;
}
