import { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { expect } from "chai";
import { createProcessor } from "../../functions/processor/handler";
import { AlertPublisher } from "../../functions/processor/publish";
import { DataApi } from "../../functions/shared/db/dataapi";
import { jsonRecord, kinesisEvent, search, sharedTestDb, truncateAll } from "../analytics/helpers";

/** Records what the processor reports per invocation (the Powertools Metrics calls it makes). */
function recordingMetrics(): { metrics: Metrics; flushed: Record<string, number>[] } {
    const flushed: Record<string, number>[] = [];
    let current: Record<string, number> = {};
    const metrics = {
        addMetric: (name: string, _unit: unknown, value: number) => void (current[name] = value),
        publishStoredMetrics: () => {
            flushed.push(current);
            current = {};
        },
    } as unknown as Metrics;
    return { metrics, flushed };
}

describe("alerts outbox backlog metric (what the alerts-outbox-backlog alarm watches)", function () {
    this.timeout(120_000);
    let db: DataApi;
    const logger = new Logger({ serviceName: "outbox-test", logLevel: "SILENT" });
    const T = Date.parse("2026-11-22T10:00:00Z");
    const searches = (prefix: string, n: number, route = "ZRH-LIS") => Array.from({ length: n }, (_, i) => search(`${prefix}${i}`, route, new Date(T + i * 1000).toISOString()));
    const rule = { windowMinutes: 5, baselineMinutes: 60, multiplier: 3, minSearches: 6 };
    /** One window with a burst on ZRH-LIS (25 searches) against five quiet routes (the network prior): one cold-start alert. */
    const hotWindow = () => [...searches("a", 25), ...["GVA-JFK", "ZRH-JFK", "LIS-MAD", "CDG-NCE", "FRA-TXL"].map((route, i) => search(`q${i}`, route, new Date(T).toISOString()))];

    before(async () => {
        db = (await sharedTestDb()).db;
    });
    beforeEach(() => truncateAll(db));

    it("reports the unpublished alerts after each publish attempt: 1 while SNS fails, 0 once it works again", async () => {
        let down = true;
        const sent: string[] = [];
        const publisher: AlertPublisher = {
            name: "flaky",
            publish: async (a) => {
                if (down) throw new Error("SNS down");
                sent.push(...a.map((x) => x.route));
            },
        };
        const { metrics, flushed } = recordingMetrics();
        const p = createProcessor({ db, logger, metrics, cleanupIntervalMinutes: 0, alertRule: rule, publishers: [publisher] });
        await p.processBatch(kinesisEvent([jsonRecord(hotWindow())]));
        await p.processBatch(kinesisEvent([jsonRecord(searches("b", 1, "GVA-JFK"))]));
        down = false;
        await p.processBatch(kinesisEvent([jsonRecord(searches("c", 1, "GVA-JFK"))]));
        expect(flushed.map((f) => [f.AlertsRaised, f.AlertsOutboxBacklog])).to.deep.equal([
            [1, 1],
            [0, 1],
            [0, 0],
        ]);
        expect(sent).to.deep.equal(["ZRH-LIS"]);
        expect(await db.query("SELECT count(*)::int AS n FROM alerts WHERE published_at IS NULL")).to.deep.equal([{ n: 0 }]);
    });

    it("reports no backlog metric when alerts are not published at all (no publisher: the outbox is not in use)", async () => {
        const { metrics, flushed } = recordingMetrics();
        const p = createProcessor({ db, logger, metrics, cleanupIntervalMinutes: 0, alertRule: rule });
        await p.processBatch(kinesisEvent([jsonRecord(hotWindow())]));
        expect(flushed).to.have.length(1);
        expect(flushed[0].AlertsRaised).to.equal(1);
        expect(Object.keys(flushed[0])).not.to.include("AlertsOutboxBacklog");
    });
});
