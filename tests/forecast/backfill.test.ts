/**
 * The demo's backfill (local/backfill.ts) on the S3 emulator: generated
 * history as events into the lake through the lake writer (real partitions and
 * objects), then the training job on DuckDB over them with the sampling, and
 * the processor's loaders read both artifacts. Time is pinned.
 */
import { gunzipSync } from "zlib";
import { expect } from "chai";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { backfillAndTrain, backfillSampling, backfillWindow, describeBackfill } from "../../local/backfill";
import { demandShape } from "../../local/traffic";
import { forecastLoader, loadLatestModel } from "../../functions/forecast/artifact";
import { expectedBetween } from "../../functions/forecast/model";
import { parseArtifact } from "../../functions/scoring/model";
import { SCORING_LATEST_KEY } from "../../functions/scoring/training";
import { scaleCounts } from "../../functions/forecast/train";
import { parseDataKey } from "../../functions/lake/partitioning";

const NOW = new Date("2026-12-02T09:20:00Z");

async function listData(client: S3Client): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const r = await client.send(new ListObjectsV2Command({ Bucket: "lake", Prefix: "data/", ContinuationToken: token }));
        for (const c of r.Contents ?? []) keys.push(c.Key!);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
}

describe("demo backfill: generated history into the lake, trained from the lake", function () {
    this.timeout(120_000);

    it("scales the demo's rate to the budget and covers whole hours before the demo's hour", () => {
        expect(backfillSampling(50)).to.equal(300);
        expect(backfillSampling(0.1)).to.equal(1);
        expect(backfillWindow(NOW, 2)).to.deep.equal({ fromMs: Date.parse("2026-11-30T09:00:00Z"), toMs: Date.parse("2026-12-02T09:00:00Z"), days: { from: "2026-11-30", to: "2026-12-03" } });
        expect(backfillWindow(new Date("2026-12-02T00:10:00Z"), 1).days).to.deep.equal({ from: "2026-12-01", to: "2026-12-02" });
    });

    it("fails when the history or the rate is out of range, naming it", () => {
        expect(() => backfillWindow(NOW, 31)).to.throw("backfill: `historyDays` must be an integer from 1 to 30 (received 31).");
        expect(() => backfillSampling(0)).to.throw("backfill: `rate` must be a positive number of events per second (received 0).");
    });

    it("multiplies the training queries' counts by the sampling and leaves every other column", () => {
        expect(scaleCounts([{ route: "ZRH-LIS", hour_start: "h", searches: "3", bookings: 1, offers: null, avg_price: 10.5 }], 300)).to.deep.equal([
            { route: "ZRH-LIS", hour_start: "h", searches: 900, bookings: 300, offers: null, avg_price: 10.5 },
        ]);
    });

    it("writes every generated event once into the real partitions, trains both models x sampling, and refuses to backfill twice", async () => {
        const { startS3 } = await import("../../local/emulators/s3");
        const s3 = await startS3({ buckets: ["lake"] });
        const client = s3.client();
        try {
            // The processor's loader asked before any model exists finds the one the backfill trains within its miss TTL.
            const loader = forecastLoader(client, "lake", { ttlMs: 60_000, missTtlMs: 50 });
            expect(await loader.current()).to.equal(undefined);
            const r = await backfillAndTrain({ s3: client, lakeBucket: "lake", rate: 50, historyDays: 2, now: NOW });
            expect(r.skipped).to.equal(undefined);
            expect(r.sampling).to.equal(300);
            // Events per hour: round(50 * 3600 / 300 * mean shape of the hour) — computed from the same shape.
            let expected = 0;
            for (let h = Date.parse(r.from); h < Date.parse(r.to); h += 3_600_000) {
                let shape = 0;
                for (let m = 0; m < 12; m++) shape += demandShape(h + m * 300_000 + 150_000) / 12;
                expected += Math.round(600 * shape);
            }
            expect(r.events).to.equal(expected);

            // Every event is in the lake once, in the partition of its own event time.
            const keys = await listData(client);
            expect(keys.length).to.equal(r.objects);
            const ids = new Set<string>();
            let lines = 0;
            let searches = 0;
            for (const key of keys) {
                expect(key).to.match(/^data\/type=[a-z]+\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/lake-delivery-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.json\.gz$/);
                const part = parseDataKey(key)!;
                const body = gunzipSync(Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: "lake", Key: key }))).Body!.transformToByteArray())).toString("utf8");
                for (const line of body.split("\n")) {
                    if (line === "") continue;
                    const e = JSON.parse(line) as { eventId: string; type: string; occurredAt: string };
                    lines++;
                    ids.add(e.eventId);
                    if (e.type === "search") searches++;
                    expect([e.type, e.occurredAt.slice(0, 10), e.occurredAt.slice(11, 13)]).to.deep.equal([part.type, part.dt, part.hour]);
                    expect(Date.parse(e.occurredAt)).to.be.at.least(Date.parse(r.from)).and.below(Date.parse(r.to));
                }
            }
            expect([lines, ids.size, searches]).to.deep.equal([r.events, r.events, r.searches]);

            // The training job ran over those files with the sampling: the forecast expects the full traffic.
            const t = r.training!;
            if (!("version" in t.forecast)) throw new Error(`forecast skipped: ${t.forecast.skipped}`);
            expect(t.sampling).to.equal(300);
            const model = (await loadLatestModel(client, "lake"))!;
            expect([model.version, model.sampling]).to.deep.equal([t.forecast.version, 300]);
            expect((await loader.current())?.version).to.equal(t.forecast.version);
            expect([model.from, model.to]).to.deep.equal(["2026-11-30T09:00:00.000Z", "2026-12-02T08:00:00.000Z"]);
            expect(Object.keys(model.metrics.searches.routes)).to.have.length(50);
            // The whole network's expected searches in the next hour ≈ the live rate's (60 % searches), within 15 %.
            const next = Date.parse(r.to);
            const total = Object.keys(model.metrics.searches.routes).reduce((n, route) => n + expectedBetween(model, "searches", route, next, next + 3_600_000).expected, 0);
            let shape = 0;
            for (let m = 0; m < 12; m++) shape += demandShape(next + m * 300_000 + 150_000) / 12;
            const live = 50 * 3600 * shape * 0.6;
            expect(total / live).to.be.within(0.85, 1.15);
            const scoring = parseArtifact(await (await client.send(new GetObjectCommand({ Bucket: "lake", Key: SCORING_LATEST_KEY }))).Body!.transformToString(), "scoring");
            expect(scoring.version).to.equal(t.scoring.version);
            expect(describeBackfill(r, 50, "lake")[0])
                .to.contain(`backfilled ${r.events} events`)
                .and.contain("scale 1 in 300 of 50 events/s (600 events/hour on weekly average");

            // A second run on the same lake does not add the history again.
            const again = await backfillAndTrain({ s3: client, lakeBucket: "lake", rate: 50, historyDays: 2, now: NOW });
            expect(again.events).to.equal(0);
            expect(again.skipped).to.match(/^the lake already holds \d+ object\(s\) of events from 2026-11-30 to 2026-12-03 \(exclusive\), an earlier run/);
            expect((await listData(client)).length).to.equal(r.objects);
        } finally {
            client.destroy();
            await s3.stop();
        }
    });
});
