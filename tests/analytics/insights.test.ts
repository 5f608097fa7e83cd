import { expect } from "chai";
import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { DataApi } from "../../functions/shared/db/dataapi";
import { createProcessor } from "../../functions/processor/handler";
import { createInsightsHandler, handleRequest } from "../../functions/insights/handler";
import { booking, cancellation, flight, jsonRecord, kinesisEvent, expectBadRequest, search, sharedTestDb, truncateAll } from "./helpers";
import { trainForecast } from "../../functions/forecast/model";

process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";

const NOW = new Date("2026-11-22T11:00:30Z");
const at = (minutesBeforeNow: number) => new Date(NOW.getTime() - minutesBeforeNow * 60_000).toISOString();
const HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

describe("analytics: insights API against the local Data API", function () {
    this.timeout(120_000);
    let db: DataApi;
    const get = (path: string, query: Record<string, string> = {}) => handleRequest({ method: "GET", path, query }, { db, now: () => NOW });
    const body = async (path: string, query: Record<string, string> = {}) => JSON.parse((await get(path, query)).body);

    before(async () => {
        db = (await sharedTestDb()).db;
        await truncateAll(db);
        const searches = (prefix: string, route: string, n: number, minutesAgo: number) => Array.from({ length: n }, (_, i) => search(`${prefix}${i}`, route, at(minutesAgo)));
        await createProcessor({ db, logger: new Logger({ logLevel: "SILENT" }), cleanupIntervalMinutes: 0, alertRule: { windowMinutes: 5, baselineMinutes: 60, multiplier: 3, minSearches: 4 } }).processBatch(
            kinesisEvent([
                jsonRecord([
                    ...searches("a", "ZRH-LIS", 5, 10),
                    ...searches("b", "GVA-JFK", 3, 30),
                    ...searches("c", "LHR-ZRH", 3, 50),
                    ...searches("d", "CDG-NCE", 9, 200), // outside 60 minutes
                    booking("k1", "PNR1", 2, at(20), flight("22", "GVA-JFK")),
                    booking("k2", "PNR2", 1, at(20), flight("318", "LHR-ZRH")),
                    booking("k3", "PNR3", 4, at(20), flight("318", "LHR-ZRH")),
                    cancellation("k4", "PNR3", 4, at(15), flight("318", "LHR-ZRH")),
                ]),
            ]),
        );
    });

    it("GET /v1/routes/top orders routes by searches, then bookings, over the last 60 minutes", async () => {
        const res = await get("/v1/routes/top");
        expect(res.statusCode).to.equal(200);
        expect(res.headers).to.deep.equal(HEADERS);
        expect(JSON.parse(res.body)).to.deep.equal({
            routes: [
                { route: "ZRH-LIS", origin: "ZRH", destination: "LIS", searches: 5, bookings: 0, cancellations: 0 },
                { route: "LHR-ZRH", origin: "LHR", destination: "ZRH", searches: 3, bookings: 2, cancellations: 1 },
                { route: "GVA-JFK", origin: "GVA", destination: "JFK", searches: 3, bookings: 1, cancellations: 0 },
            ],
        });
    });

    it("GET /v1/routes/top honours limit and minutes", async () => {
        expect((await body("/v1/routes/top", { limit: "1" })).routes.map((r: { route: string }) => r.route)).to.deep.equal(["ZRH-LIS"]);
        expect((await body("/v1/routes/top", { minutes: "25" })).routes).to.deep.equal([
            { route: "ZRH-LIS", origin: "ZRH", destination: "LIS", searches: 5, bookings: 0, cancellations: 0 },
            { route: "LHR-ZRH", origin: "LHR", destination: "ZRH", searches: 0, bookings: 2, cancellations: 1 },
            { route: "GVA-JFK", origin: "GVA", destination: "JFK", searches: 0, bookings: 1, cancellations: 0 },
        ]);
        expect((await body("/v1/routes/top", { minutes: "240" })).routes[0]).to.deep.equal({ route: "CDG-NCE", origin: "CDG", destination: "NCE", searches: 9, bookings: 0, cancellations: 0 });
        expect((await body("/v1/routes/top", { minutes: "1" })).routes).to.deep.equal([]);
    });

    it("fails when limit or minutes are out of range, listing every problem", async () => {
        const res = await get("/v1/routes/top", { limit: "0", minutes: "10081" });
        expectBadRequest(res, {
            errors: [
                { path: "limit", message: 'limit must be an integer from 1 to 100; received "0"' },
                { path: "minutes", message: 'minutes must be an integer from 1 to 10080; received "10081"' },
            ],
        });
        expect((await get("/v1/routes/top", { limit: "ten" })).statusCode).to.equal(400);
        expect((await get("/v1/routes/top", { limit: "1.5" })).statusCode).to.equal(400);
    });

    it("GET /v1/alerts lists alerts newest first with their evidence, never a window that starts in the future", async () => {
        await db.execute(`INSERT INTO alerts (route, origin, destination, window_start, window_end, searches, baseline_searches, multiplier, min_searches, expected, p_value, alpha, basis, model_version, last_elevated_window) VALUES
            ('ZRH-LIS', 'ZRH', 'LIS', '2026-11-22T10:50:00Z', '2026-11-22T10:55:00Z', 500, 25, 2.1, 20, 25, 1e-120, 1e-6, 'forecast', 'v1', '2026-11-22T10:50:00Z'),
            ('CDG-NCE', 'CDG', 'NCE', '2026-11-22T07:40:00Z', '2026-11-22T07:45:00Z', 90, 0, 10, 20, 4, 1e-40, 1e-6, 'prior', NULL, '2026-11-22T07:40:00Z'),
            ('GVA-JFK', 'GVA', 'JFK', '2026-11-22T11:05:00Z', '2026-11-22T11:10:00Z', 90, 0, 10, 20, 4, 1e-40, 1e-6, 'prior', NULL, '2026-11-22T11:05:00Z')`);
        const b = await body("/v1/alerts");
        expect(b.alerts.map((a: Record<string, unknown>) => ({ ...a, createdAt: typeof a.createdAt }))).to.deep.equal([
            {
                route: "ZRH-LIS",
                origin: "ZRH",
                destination: "LIS",
                windowStart: "2026-11-22T10:50:00Z",
                windowEnd: "2026-11-22T10:55:00Z",
                searches: 500,
                baselineSearches: 25,
                multiplier: 2.1,
                expected: 25,
                pValue: 1e-120,
                threshold: 1e-6,
                basis: "forecast",
                modelVersion: "v1",
                createdAt: "string",
            },
            {
                route: "CDG-NCE",
                origin: "CDG",
                destination: "NCE",
                windowStart: "2026-11-22T07:40:00Z",
                windowEnd: "2026-11-22T07:45:00Z",
                searches: 90,
                baselineSearches: 0,
                multiplier: 10,
                expected: 4,
                pValue: 1e-40,
                threshold: 1e-6,
                basis: "prior",
                modelVersion: null,
                createdAt: "string",
            },
        ]);
        expect((await body("/v1/alerts", { limit: "1" })).alerts).to.have.length(1);
        expect((await get("/v1/alerts", { limit: "101" })).statusCode).to.equal(400);
    });

    it("GET /v1/inventory/{carrier}/{number}/{departureDate} returns seats sold", async () => {
        const res = await get("/v1/inventory/LX/318/2026-12-01");
        expect(res.statusCode).to.equal(200);
        const b = JSON.parse(res.body);
        expect({ ...b, updatedAt: typeof b.updatedAt }).to.deep.equal({ carrier: "LX", number: "318", departureDate: "2026-12-01", seatsSold: 1, bookings: 2, cancellations: 1, updatedAt: "string" });
    });

    it("fails with 404 for a flight never booked", async () => {
        const res = await get("/v1/inventory/LX/999/2026-12-01");
        expect(res.statusCode).to.equal(404);
        expect(JSON.parse(res.body)).to.deep.equal({ message: "no booking recorded for flight LX 999 on 2026-12-01" });
    });

    it("fails with 400 for malformed flight parameters", async () => {
        const res = await get("/v1/inventory/lx/31888/2026-02-30");
        expectBadRequest(res, {
            errors: [
                { path: "carrier", message: 'carrier must be a 2-character IATA airline designator (upper-case letters or digits) such as "LX"; received "lx"' },
                { path: "number", message: 'number must be 1 to 4 digits with an optional upper-case suffix letter such as "318"; received "31888"' },
                { path: "departureDate", message: 'departureDate must be a calendar date YYYY-MM-DD; received "2026-02-30"' },
            ],
        });
    });

    it("fails with 404 for unknown paths and 405 for other methods", async () => {
        const nf = await get("/v1/nothing");
        expect(nf.statusCode).to.equal(404);
        expect(JSON.parse(nf.body).message).to.equal(
            "no route for GET /v1/nothing; the insights API serves GET /v1/routes/top, GET /v1/routes/{route}/forecast, GET /v1/alerts, GET /v1/inventory/{carrier}/{number}/{departureDate}, GET /v1/deals and GET /v1/price-adjustments",
        );
        const m = await handleRequest({ method: "POST", path: "/v1/alerts" }, { db });
        expect(m.statusCode).to.equal(405);
        expect(m.headers.allow).to.equal("GET");
    });

    it("answers 500 without details when the database fails", async () => {
        const errors: unknown[] = [];
        const broken = new DataApi({ ...db.target, database: "nope" });
        const res = await handleRequest({ method: "GET", path: "/v1/alerts" }, { db: broken, onError: (e) => errors.push(e) });
        expect(res.statusCode).to.equal(500);
        expect(JSON.parse(res.body)).to.deep.equal({ message: "internal error; see the insights function's logs" });
        expect(errors).to.have.length(1);
    });

    it("serves API Gateway HTTP API (payload v2) events through the Lambda handler", async () => {
        const h = createInsightsHandler({ db, now: () => NOW, logger: new Logger({ logLevel: "SILENT" }) });
        const event = {
            version: "2.0",
            routeKey: "GET /v1/routes/top",
            rawPath: "/v1/routes/top",
            rawQueryString: "limit=2",
            queryStringParameters: { limit: "2" },
            headers: {},
            isBase64Encoded: false,
            requestContext: { http: { method: "GET", path: "/v1/routes/top", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "t" } },
        } as unknown as APIGatewayProxyEventV2;
        const res = await h(event);
        expect(res.statusCode).to.equal(200);
        expect(JSON.parse(res.body!).routes.map((r: { route: string }) => r.route)).to.deep.equal(["ZRH-LIS", "LHR-ZRH"]);
    });
});

describe("analytics: insights forecast route", function () {
    this.timeout(60_000);
    let db: DataApi;
    const NOW = new Date("2026-11-22T11:30:00Z");
    const rows = Array.from({ length: 24 * 7 }, (_, h) => ({ route: "ZRH-LIS", hour: new Date(Date.parse("2026-11-22T11:00:00Z") - (24 * 7 - h) * 3_600_000).toISOString(), searches: 120, bookings: 6 }));
    const model = trainForecast(rows, { now: NOW });
    const get = (path: string, query: Record<string, string> = {}, withModel = true) => handleRequest({ method: "GET", path, query }, { db, now: () => NOW, ...(withModel ? { forecast: { current: async () => model } } : {}) });

    before(async () => {
        db = (await sharedTestDb()).db;
        await truncateAll(db);
        await createProcessor({ db, logger: new Logger({ logLevel: "SILENT" }), cleanupIntervalMinutes: 0 }).processBatch(
            kinesisEvent([
                jsonRecord([
                    ...Array.from({ length: 7 }, (_, i) => search(`f${i}`, "ZRH-LIS", "2026-11-22T10:10:00Z")),
                    ...Array.from({ length: 3 }, (_, i) => search(`g${i}`, "ZRH-LIS", "2026-11-22T11:20:00Z")),
                    booking("fb1", "PNRF", 2, "2026-11-22T11:05:00Z", flight("318", "ZRH-LIS")),
                ]),
            ]),
        );
    });

    it("GET /v1/routes/{route}/forecast returns observed and expected values with a 95% interval per hour", async () => {
        const res = await get("/v1/routes/ZRH-LIS/forecast", { hours: "2" });
        expect(res.statusCode).to.equal(200);
        const b = JSON.parse(res.body);
        expect(b.route).to.equal("ZRH-LIS");
        expect(b.model).to.deep.equal({ version: model.version, trainedAt: NOW.toISOString(), kind: "seasonal-es", historyHours: 168 });
        expect(b.hours.map((h: any) => [h.hour, h.observed])).to.deep.equal([
            ["2026-11-22T09:00:00.000Z", { searches: 0, bookings: 0 }],
            ["2026-11-22T10:00:00.000Z", { searches: 7, bookings: 0 }],
            ["2026-11-22T11:00:00.000Z", { searches: 3, bookings: 1 }],
            ["2026-11-22T12:00:00.000Z", null],
        ]);
        for (const h of b.hours) {
            expect(h.expected.searches.value).to.be.closeTo(120, 1e-6);
            expect(h.expected.bookings.value).to.be.closeTo(6, 1e-6);
            expect(h.expected.searches.lower).to.be.below(120);
            expect(h.expected.searches.upper).to.be.above(120);
        }
    });

    it("answers with null expected values when no model is trained yet", async () => {
        const b = JSON.parse((await get("/v1/routes/ZRH-LIS/forecast", {}, false)).body);
        expect(b.model).to.equal(null);
        expect(b.hours).to.have.length(26);
        expect(b.hours.every((h: any) => h.expected === null)).to.equal(true);
    });

    it("fails when the route or hours is malformed, naming each", async () => {
        const res = await get("/v1/routes/zrh-lis/forecast", { hours: "169" });
        expectBadRequest(res, {
            errors: [
                { path: "route", message: 'route must be two 3-letter upper-case IATA airport codes joined by "-" such as "ZRH-LIS"; received "zrh-lis"' },
                { path: "hours", message: 'hours must be an integer from 1 to 168; received "169"' },
            ],
        });
    });
});
