/**
 * Publishing high-demand alerts (outbox): alerts are stored in the chunk's
 * transaction; after commit, unpublished alerts are sent to SNS and/or
 * EventBridge and marked published. A failed publish leaves them for the next
 * invocation (at-least-once). With no topic or bus configured nothing is sent.
 * Clients take their endpoints from env (SNS_ENDPOINT, EVENTBRIDGE_ENDPOINT).
 */
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ALERT_COLUMNS, alertRow, type AlertRow } from "../shared/db/alert-rows";
import { DataApi } from "../shared/db/dataapi";
import * as SQL from "./sql";

/** An unpublished alert: its row and its id (to mark it published). */
export interface AlertMessage extends AlertRow {
    readonly alertId: number;
}

/**
 * Alerts not yet published (outbox), oldest first, with their evidence; the
 * rows are locked for the publishing transaction, and rows another invocation
 * is publishing are skipped (concurrent invocations never send the same alert).
 */
export const UNPUBLISHED_ALERTS = `SELECT alert_id::bigint AS alert_id, ${ALERT_COLUMNS}
FROM alerts WHERE published_at IS NULL ORDER BY created_at, alert_id LIMIT :limit FOR UPDATE SKIP LOCKED`;

export interface AlertPublisher {
    readonly name: string;
    publish(alerts: readonly AlertMessage[]): Promise<void>;
}

export const ALERT_EVENT_SOURCE = "flightstream.analytics";
export const ALERT_DETAIL_TYPE = "High-demand route alert";

/** The JSON every channel carries for one alert. */
export function alertPayload(a: AlertMessage): Record<string, unknown> {
    return {
        kind: "high-demand-route",
        alertId: a.alertId,
        route: a.route,
        origin: a.origin,
        destination: a.destination,
        windowStart: a.windowStart,
        windowEnd: a.windowEnd,
        searches: a.searches,
        baselineSearches: a.baselineSearches,
        evidence: { test: "poisson-upper-tail", observed: a.searches, expected: a.expected, pValue: a.pValue, threshold: a.alpha, ratio: a.multiplier, basis: a.basis, modelVersion: a.modelVersion },
    };
}

export function snsPublisher(topicArn: string, client: SNSClient): AlertPublisher {
    return {
        name: "sns",
        async publish(alerts) {
            for (const a of alerts) {
                await client.send(
                    new PublishCommand({
                        TopicArn: topicArn,
                        Subject: `High demand on ${a.route} (${a.searches} searches, ${a.expected === null ? "?" : Math.round(a.expected)} expected, from ${a.windowStart})`.slice(0, 99),
                        Message: JSON.stringify(alertPayload(a)),
                        MessageAttributes: { route: { DataType: "String", StringValue: a.route } },
                    }),
                );
            }
        },
    };
}

export function eventBridgePublisher(busName: string, client: EventBridgeClient): AlertPublisher {
    return {
        name: "eventbridge",
        async publish(alerts) {
            for (let i = 0; i < alerts.length; i += 10) {
                const out = await client.send(
                    new PutEventsCommand({
                        Entries: alerts.slice(i, i + 10).map((a) => ({
                            EventBusName: busName,
                            Source: ALERT_EVENT_SOURCE,
                            DetailType: ALERT_DETAIL_TYPE,
                            Time: new Date(a.windowStart),
                            Detail: JSON.stringify(alertPayload(a)),
                        })),
                    }),
                );
                if ((out.FailedEntryCount ?? 0) > 0) throw new Error(`EventBridge PutEvents rejected ${out.FailedEntryCount} alert(s).`);
            }
        },
    };
}

/** Publishers configured by ALERTS_TOPIC_ARN / ALERTS_EVENT_BUS_NAME (none when unset). */
export function publishersFromEnv(env: Record<string, string | undefined> = process.env): AlertPublisher[] {
    const region = env.AWS_REGION ?? "us-east-1";
    const out: AlertPublisher[] = [];
    if (env.ALERTS_TOPIC_ARN) out.push(snsPublisher(env.ALERTS_TOPIC_ARN, new SNSClient({ region, ...(env.SNS_ENDPOINT ? { endpoint: env.SNS_ENDPOINT } : {}) })));
    if (env.ALERTS_EVENT_BUS_NAME) {
        out.push(eventBridgePublisher(env.ALERTS_EVENT_BUS_NAME, new EventBridgeClient({ region, ...(env.EVENTBRIDGE_ENDPOINT ? { endpoint: env.EVENTBRIDGE_ENDPOINT } : {}) })));
    }
    return out;
}

/**
 * Sends unpublished alerts through every publisher, then marks them published,
 * in one transaction holding the rows: two invocations publishing at once send
 * disjoint alerts. A failed publish rolls back and a crash leaves the
 * transaction to time out, so the alerts stay pending and go out again (at
 * least once). Returns how many were sent.
 */
export async function publishPendingAlerts(db: DataApi, publishers: readonly AlertPublisher[], limit = 100): Promise<number> {
    if (publishers.length === 0) return 0;
    return db.transaction(async (tx) => {
        const rows = await db.query(UNPUBLISHED_ALERTS, { limit }, tx);
        if (rows.length === 0) return 0;
        const alerts: AlertMessage[] = rows.map((r) => ({ alertId: Number(r.alert_id), ...alertRow(r) }));
        for (const p of publishers) await p.publish(alerts);
        await db.execute(SQL.MARK_ALERTS_PUBLISHED, { ids: `{${alerts.map((a) => a.alertId).join(",")}}` }, tx);
        return alerts.length;
    });
}
