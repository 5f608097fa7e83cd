import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BASELINE_ARTIFACT, TrainingRow, baselineArtifact, parseArtifact, scoreDeal, scorePrice, train } from "../../functions/scoring/model";
import { builtinBackend, withFallback } from "../../functions/scoring/backend";
import { artifactBackend, scoringFromEnv } from "../../functions/scoring/config";
import { artifactKey, renderTrainingQuery, trainArtifact } from "../../functions/scoring/training";

describe("scoring: built-in model", () => {
    describe("deal classification (the former DealRule is the baseline)", () => {
        const f = { sampleSize: 30, routeMean: 100, routeStddev: 10 };

        it("calls an offer below mean - 2 sigma a deal, with its z score and the numbers in the reason", () => {
            expect(scoreDeal({ ...f, price: 75 })).to.deep.equal({
                deal: true,
                score: 2.5,
                reason: "price 75 is 2.5 standard deviations below the route mean 100 (threshold 2, 30 offers)",
            });
        });

        it("is not a deal at exactly mean - 2 sigma (strictly below, as the rule said)", () => {
            expect(scoreDeal({ ...f, price: 80 })).to.deep.equal({
                deal: false,
                score: 2,
                reason: "price 80 is not more than 2 standard deviations below the route mean 100 (z 2, 30 offers)",
            });
        });

        it("fails when the sample is smaller than the minimum (no deal, reason says how many)", () => {
            expect(scoreDeal({ ...f, sampleSize: 29, price: 1 })).to.deep.equal({ deal: false, score: 0, reason: "only 29 offers of the route in the last 60 min (at least 30 needed)" });
        });

        it("takes the DEAL_* rule into the baseline artifact", () => {
            const a = baselineArtifact({ sigmas: 1, minSamples: 5, lookbackMinutes: 30 });
            expect(a.deal).to.deep.equal({ sigmas: 1, minSamples: 5, lookbackMinutes: 30 });
            expect(scoreDeal({ sampleSize: 5, routeMean: 100, routeStddev: 10, price: 89 }, a).deal).to.equal(true);
        });
    });

    describe("price adjustment", () => {
        it("raises the fare on high demand, a full flight and a price below competitors, within the cap", () => {
            const s = scorePrice({ price: 90, searchesPerHour: 60 * Math.E, seatsHeld: 180, routeMean: 100, sampleSize: 40 });
            // demand 0.05*1, load 0.2*(1-0.8)=0.04, competitor -0.3*(-0.1)=0.03
            expect(s).to.deep.include({ demandTerm: 0.05, loadTerm: 0.04, competitorTerm: 0.03, adjustment: 0.12, suggestedAmount: 100.8 });
            expect(s.reason).to.equal("demand 163.1 searches/h vs typical 60 (+5%), load 180/180 seats vs target 0.8 (+4%), price 90 vs competitors' mean 100 (+3%)");
        });

        it("lowers the fare on low demand and an empty flight, and caps it at maxAdjustment", () => {
            const s = scorePrice({ price: 150, searchesPerHour: 0, seatsHeld: 0, routeMean: 100, sampleSize: 40 });
            expect(s.adjustment).to.equal(-0.15);
            expect(s.suggestedAmount).to.equal(127.5);
        });

        it("ignores competitors when the route has no offers", () => {
            const s = scorePrice({ price: 150, searchesPerHour: 60, seatsHeld: 144, routeMean: 0, sampleSize: 0 });
            expect(s).to.deep.include({ demandTerm: 0, loadTerm: 0, competitorTerm: 0, adjustment: 0 });
            expect(s.reason).to.match(/no competitor offers \(\+0%\)$/);
        });
    });

    describe("train", () => {
        // Two routes, conversion falls when the hour's price is above the route's mean (elastic demand).
        const rows: TrainingRow[] = [];
        for (let h = 0; h < 24; h++) {
            const rel = (h % 5) / 10 - 0.2; // -0.2..+0.2
            rows.push({ route: "ZRH-LIS", currency: "CHF", searches: 100, bookings: Math.round(100 * 0.05 * Math.exp(-3 * rel)), offers: 50, avgPrice: 200 * (1 + rel) });
            rows.push({ route: "GVA-JFK", currency: "USD", searches: 40, bookings: Math.round(40 * 0.05 * Math.exp(-3 * rel)), offers: 20, avgPrice: 600 * (1 + rel) });
        }

        it("learns the typical searches per hour (median of the routes' means) and a negative elasticity", () => {
            const a = train(rows, { version: "v1", trainedAt: "2026-12-01T03:00:00Z" });
            expect(a.version).to.equal("v1");
            expect(a.trainingRows).to.equal(48);
            expect(a.price.typicalSearchesPerHour).to.equal(40);
            expect(a.price.elasticity).to.be.lessThan(-1.5).and.greaterThan(-4.5);
            expect(a.price.competitorWeight).to.equal(Math.round((-a.price.elasticity! / 10) * 1e4) / 1e4);
            expect(a.deal).to.deep.equal(BASELINE_ARTIFACT.deal);
        });

        it("fails when there are too few rows: keeps the base's learned values and says how many rows it saw", () => {
            const a = train(rows.slice(0, 5), { version: "v2", trainedAt: "2026-12-01T03:00:00Z" });
            expect(a.trainingRows).to.equal(5);
            expect(a.price).to.deep.equal(BASELINE_ARTIFACT.price);
        });

        it("versions the artifact by its training time and names where it is stored", () => {
            const a = trainArtifact(
                rows.map((r) => ({ route: r.route, currency: r.currency, searches: String(r.searches), bookings: r.bookings, offers: r.offers, avg_price: r.avgPrice })),
                new Date("2026-12-01T03:00:00.123Z"),
            );
            expect(a.version).to.equal("2026-12-01T03:00:00Z");
            expect(artifactKey(a.version)).to.equal("models/scoring/2026-12-01T030000Z/artifact.json");
            expect(() => artifactKey("a/b")).to.throw("version must be 1-64 letters, digits, ':', '.', '_' or '-' (received \"a/b\").");
        });

        it("renders one training SQL for both engines, deduplicating identities, over whole days", () => {
            const sql = renderTrainingQuery({ events: "lake.events", from: "2026-11-29", to: "2026-12-01" });
            expect(sql).to.contain("FROM lake.events");
            expect(sql).to.contain("dt IN ('2026-11-29', '2026-11-30')");
            expect(sql).to.contain("row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy");
            expect(() => renderTrainingQuery({ events: "x", from: "2026-11-31", to: "2026-12-01" })).to.throw('from must be a real UTC day in YYYY-MM-DD form; received "2026-11-31"');
        });
    });

    describe("artifact", () => {
        it("round-trips through JSON", () => {
            expect(parseArtifact(JSON.stringify(BASELINE_ARTIFACT))).to.deep.equal(BASELINE_ARTIFACT);
        });

        it("fails when the artifact is of another format version or misses a field, naming them", () => {
            expect(() => parseArtifact({ ...BASELINE_ARTIFACT, formatVersion: 2 }, "s3://lake/models/scoring/latest.json")).to.throw(
                "s3://lake/models/scoring/latest.json is not a valid scoring artifact: formatVersion: formatVersion must be 1",
            );
            const { seatCapacity: _drop, ...price } = BASELINE_ARTIFACT.price;
            expect(() => parseArtifact({ ...BASELINE_ARTIFACT, price })).to.throw("scoring artifact is not a valid scoring artifact: price.seatCapacity: price.seatCapacity must be a number");
            expect(() => parseArtifact("{nope")).to.throw(/^scoring artifact is not JSON: /);
        });

        it("loads the artifact lazily, re-reads it after the refresh interval and keeps the last good one when a read fails", async () => {
            let t = 0;
            let body: string | Error = JSON.stringify({ ...BASELINE_ARTIFACT, version: "v1" });
            const errors: string[] = [];
            const b = artifactBackend({
                uri: "s3://lake/models/scoring/latest.json",
                read: async () => {
                    if (body instanceof Error) throw body;
                    return body;
                },
                initial: BASELINE_ARTIFACT,
                refreshMinutes: 15,
                now: () => t,
                onError: (e) => errors.push((e as Error).message),
            });
            expect((await b.scoreDeals([{ price: 1, sampleSize: 0, routeMean: 0, routeStddev: 0 }]))[0].model).to.equal("builtin:v1");
            body = new Error("NoSuchKey");
            t = 14 * 60_000;
            expect((await b.scoreDeals([{ price: 1, sampleSize: 0, routeMean: 0, routeStddev: 0 }]))[0].model).to.equal("builtin:v1");
            t = 16 * 60_000;
            expect((await b.scoreDeals([{ price: 1, sampleSize: 0, routeMean: 0, routeStddev: 0 }]))[0].model).to.equal("builtin:v1");
            expect(errors).to.deep.equal(["NoSuchKey"]);
            body = JSON.stringify({ ...BASELINE_ARTIFACT, version: "v2" });
            t = 32 * 60_000;
            expect((await b.scorePrices([{ price: 100, searchesPerHour: 60, seatsHeld: 144, routeMean: 100, sampleSize: 1 }]))[0].model).to.equal("builtin:v2");
        });

        it("reads a file artifact through SCORING_ARTIFACT_URI", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scoring-"));
            try {
                const file = path.join(dir, "latest.json");
                fs.writeFileSync(file, JSON.stringify({ ...BASELINE_ARTIFACT, version: "file-v3" }));
                const b = scoringFromEnv({ SCORING_ARTIFACT_URI: file });
                expect((await b.scoreDeals([{ price: 1, sampleSize: 0, routeMean: 0, routeStddev: 0 }]))[0].model).to.equal("builtin:file-v3");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("configuration", () => {
        it("defaults to the built-in baseline", async () => {
            expect(scoringFromEnv({}).name).to.equal("builtin:baseline");
        });

        it("fails when SCORING_BACKEND is unknown", () => {
            expect(() => scoringFromEnv({ SCORING_BACKEND: "onnx" })).to.throw('`SCORING_BACKEND` must be one of "builtin", "sagemaker" (received "onnx").');
        });

        it("fails when the sagemaker backend has no endpoint name", () => {
            expect(() => scoringFromEnv({ SCORING_BACKEND: "sagemaker" })).to.throw('`SCORING_ENDPOINT_NAME` must be a SageMaker endpoint name (1-63 letters, digits or hyphens) when `SCORING_BACKEND` is "sagemaker" (received null).');
        });

        it("fails when SCORING_ARTIFACT_REFRESH_MINUTES is out of range", () => {
            expect(() => scoringFromEnv({ SCORING_ARTIFACT_REFRESH_MINUTES: "0" })).to.throw('`SCORING_ARTIFACT_REFRESH_MINUTES` must be an integer between 1 and 1440 (received "0").');
        });

        it("falls back to the second backend when the first fails, marking the model", async () => {
            const broken = {
                ...builtinBackend(),
                name: "broken",
                scoreDeals: async () => {
                    throw new Error("down");
                },
                scorePrices: async () => {
                    throw new Error("down");
                },
            };
            const why: string[] = [];
            const b = withFallback(broken, builtinBackend(), (e, task) => why.push(`${task}: ${(e as Error).message}`));
            expect((await b.scoreDeals([{ price: 1, sampleSize: 0, routeMean: 0, routeStddev: 0 }]))[0].model).to.equal("builtin:baseline (fallback)");
            expect((await b.scorePrices([{ price: 1, searchesPerHour: 0, seatsHeld: 0, routeMean: 0, sampleSize: 0 }]))[0].model).to.equal("builtin:baseline (fallback)");
            expect(why).to.deep.equal(["deals: down", "prices: down"]);
        });
    });
});
