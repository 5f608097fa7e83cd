/**
 * End-to-end: the forecast endpoint on the local platform (temp dir, free ports):
 * a model trained on generated history is stored in the lake bucket as the
 * demo does, searches are sent to the ingestion API, and
 * GET /v1/routes/{route}/forecast answers with the observed searches and the
 * model's expected values.
 */
import { expect } from "chai";
import type { Platform } from "../../local/platform";
import { startTestPlatform, stopTestPlatform, tempDir } from "./helpers";
import { generatedHourlyDemand, TrafficGenerator } from "../../local/traffic";
import { trainForecast } from "../../functions/forecast/model";
import { storeModel } from "../../functions/forecast/artifact";
import { postEvents } from "../helpers/ingest";

describe("e2e: the forecast endpoint on the local platform", function () {
    this.timeout(240_000);
    let platform: Platform;
    let dir: string;

    before(async () => {
        dir = tempDir("forecast");
        platform = await startTestPlatform(dir, { esm: { batchSize: 100, maximumBatchingWindowInSeconds: 0, pollIntervalMs: 50 } });
    });
    after(async () => {
        await stopTestPlatform(platform, dir);
    });

    it("answers with observed searches and the trained model's expected values and interval", async () => {
        const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
        const model = trainForecast(generatedHourlyDemand({ rate: 50, from: new Date(hour - 7 * 86_400_000), hours: 168, routeSkew: 0.5 }));
        await storeModel(platform.s3.client(), platform.lakeBucket, model);
        const gen = new TrafficGenerator({ seed: 1, idPrefix: `fc${Date.now()}` });
        const route = gen.hotRoute;
        const source = "web-eu";
        const searches = Array.from({ length: 12 }, () => ({ ...gen.search(new Date(), route), source }));
        const res = await postEvents(platform.ingestUrl, platform.dirs.root, searches, source);
        expect(res.status).to.equal(202);
        let body: any;
        for (let i = 0; i < 200; i++) {
            const r = await fetch(`${platform.insightsUrl}/v1/routes/${route.route}/forecast?hours=1`);
            expect(r.status).to.equal(200);
            body = await r.json();
            const current = body.hours.find((h: any) => h.hour === new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString());
            if (body.model && current?.observed?.searches >= 12) break;
            await new Promise((r) => setTimeout(r, 250));
        }
        expect(body.model).to.include({ version: model.version, kind: "seasonal-es", historyHours: 168 });
        expect(body.hours).to.have.length(3);
        const observed = body.hours.reduce((n: number, h: any) => n + (h.observed?.searches ?? 0), 0);
        expect(observed).to.equal(12);
        for (const h of body.hours) {
            expect(h.expected.searches.value).to.be.above(0);
            expect(h.expected.searches.lower).to.be.below(h.expected.searches.value);
            expect(h.expected.searches.upper).to.be.above(h.expected.searches.value);
        }
    });
});
