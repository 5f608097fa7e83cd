import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import { mockClient } from "aws-sdk-client-mock";
import { duckdbEventsRelation } from "../../functions/pond-etl/sql";
import { renderForecastQuery, demandRows } from "../../functions/forecast/sql";
import { athenaEngine, runTraining, trainingWindow } from "../../functions/forecast/train";
import { trainingConfigFromEnv } from "../../functions/forecast/train-handler";
import { renderTrainingQuery } from "../../functions/scoring/training";

const search = (id: string, at: string, origin = "ZRH", destination = "LIS") => ({ source: "web", eventId: id, type: "search", occurredAt: at, origin, destination, departureDate: "2026-12-10", passengers: 1, cabin: "economy" });
const booking = (id: string, at: string) => ({
    source: "web",
    eventId: id,
    type: "booking",
    occurredAt: at,
    bookingId: id,
    seats: 1,
    departureDate: "2026-12-10",
    fare: { amount: 100, currency: "CHF" },
    flight: { carrier: "LX", number: "1", departureDate: "2026-12-10", origin: "ZRH", destination: "LIS" },
});

function lakeKey(e: Record<string, unknown>, n: number): string {
    const t = new Date(String(e.occurredAt)).toISOString();
    return `data/type=${e.type}/dt=${t.slice(0, 10)}/hour=${t.slice(11, 13)}/lake-delivery-1-x-${n}.json.gz`;
}

describe("forecast training: one SQL for DuckDB and Athena, one job for both models", function () {
    this.timeout(60_000);

    it("counts searches and bookings per route and UTC hour on DuckDB, each identity once, only the window's days", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forecast-sql-"));
        const events = [
            search("s1", "2026-11-30T10:01:00Z"),
            search("s2", "2026-11-30T10:02:00Z"),
            search("s2", "2026-11-30T10:02:00Z"),
            search("s3", "2026-11-30T11:00:00Z", "GVA", "LHR"),
            booking("b1", "2026-11-30T10:30:00Z"),
            search("late", "2026-12-01T00:10:00Z"),
        ];
        events.forEach((e, i) => {
            const f = path.join(dir, lakeKey(e, i));
            fs.mkdirSync(path.dirname(f), { recursive: true });
            fs.writeFileSync(f, gzipSync(JSON.stringify(e) + "\n"));
        });
        const instance = await DuckDBInstance.create(":memory:");
        const db = await instance.connect();
        try {
            const rows = (await db.runAndReadAll(renderForecastQuery({ events: duckdbEventsRelation(dir), from: "2026-11-30", to: "2026-12-01" }))).getRowObjectsJson() as Record<string, unknown>[];
            expect(demandRows(rows)).to.deep.equal([
                { route: "GVA-LHR", hour: "2026-11-30T11:00:00.000Z", searches: 1, bookings: 0 },
                { route: "ZRH-LIS", hour: "2026-11-30T10:00:00.000Z", searches: 2, bookings: 1 },
            ]);
        } finally {
            db.closeSync();
            instance.closeSync();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails when a row's count is not a non-negative integer, naming the row and field", () => {
        expect(() => demandRows([{ route: "A-B", hour_start: "2026-11-30T10:00:00.000Z", searches: "x", bookings: 0 }])).to.throw('forecast: row 0 `searches` must be a non-negative integer (received "x").');
    });

    it("trainingWindow is the last N whole UTC days; fails when days is out of 1-31", () => {
        expect(trainingWindow(new Date("2026-12-02T03:00:00Z"), 7)).to.deep.equal({ from: "2026-11-25", to: "2026-12-02" });
        expect(() => trainingWindow(new Date(), 0)).to.throw("training: `days` must be an integer from 1 to 31 (received 0).");
    });

    it("fails when the Lambda's environment lacks a variable, naming it", () => {
        expect(() => trainingConfigFromEnv({ ATHENA_WORKGROUP: "w", LAKE_BUCKET: "b" })).to.throw("training: environment `GLUE_DATABASE`, `EVENTS_TABLE` must be set (received nothing).");
        expect(() => trainingConfigFromEnv({ ATHENA_WORKGROUP: "w", GLUE_DATABASE: "d", EVENTS_TABLE: "events", LAKE_BUCKET: "b", TRAINING_DAYS: "40" })).to.throw(
            'training: `TRAINING_DAYS` must be an integer from 1 to 31 (received "40").',
        );
        expect(trainingConfigFromEnv({ ATHENA_WORKGROUP: "w", GLUE_DATABASE: "d", EVENTS_TABLE: "events", LAKE_BUCKET: "b", LAKE_KMS_KEY_ARN: "k" })).to.deep.equal({
            workgroup: "w",
            database: "d",
            eventsTable: "events",
            bucket: "b",
            kmsKeyId: "k",
            days: 7,
        });
    });

    describe("on Athena (the AWS engine; Athena and S3 mocked at the SDK)", () => {
        const mocks = () => ({ athena: mockClient(AthenaClient), s3: mockClient(S3Client) });
        let athena: ReturnType<typeof mocks>["athena"];
        let s3: ReturnType<typeof mocks>["s3"];
        before(() => ({ athena, s3 } = mocks()));
        afterEach(() => {
            athena.reset();
            s3.reset();
        });
        after(() => {
            athena.restore();
            s3.restore();
        });

        const page = (cols: string[], rows: unknown[][], header: boolean, NextToken?: string) => ({
            NextToken,
            ResultSet: { ResultSetMetadata: { ColumnInfo: cols.map((Name) => ({ Name, Type: "varchar" })) }, Rows: [...(header ? [cols] : []), ...rows].map((r) => ({ Data: r.map((v) => ({ VarCharValue: String(v) })) })) },
        });

        /** The S3 keys (and KMS key ids) the job writes, in order. */
        const recordPuts = () => {
            const puts: { Key: string; SSEKMSKeyId?: string }[] = [];
            s3.on(PutObjectCommand).callsFake((i) => {
                puts.push({ Key: i.Key, SSEKMSKeyId: i.SSEKMSKeyId });
                return {};
            });
            return puts;
        };
        /** runTraining on Athena (mocked) for 2026-11-29..2026-12-01 into bucket "lake". */
        const trainOnAthena = (workgroup: string, database: string, extra: Partial<Parameters<typeof runTraining>[0]> = {}) =>
            runTraining({
                engine: athenaEngine(new AthenaClient({ region: "eu-west-1" }), { workgroup, database, pollMs: 1 }),
                events: "events",
                s3: new S3Client({ region: "eu-west-1" }),
                bucket: "lake",
                from: "2026-11-29",
                to: "2026-12-01",
                ...extra,
            });

        it("runs the same SQL text on the Glue table in the workgroup, reads every page, and writes both versioned artifacts with the lake key", async () => {
            const sqls: string[] = [];
            athena.on(StartQueryExecutionCommand).callsFake((i) => {
                sqls.push(i.QueryString);
                expect([i.WorkGroup, i.QueryExecutionContext.Database]).to.deep.equal(["lake-wg", "lake_db"]);
                return { QueryExecutionId: `q${sqls.length}` };
            });
            athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
            const demandCols = ["route", "hour_start", "searches", "bookings"];
            const hours = Array.from({ length: 48 }, (_, h) => new Date(Date.parse("2026-11-29T00:00:00Z") + h * 3_600_000).toISOString());
            athena.on(GetQueryResultsCommand, { QueryExecutionId: "q1" }).resolves(
                page(
                    demandCols,
                    hours.slice(0, 24).map((t) => ["ZRH-LIS", t, 10, 1]),
                    true,
                    "p2",
                ),
            );
            athena.on(GetQueryResultsCommand, { QueryExecutionId: "q1", NextToken: "p2" }).resolves(
                page(
                    demandCols,
                    hours.slice(24).map((t) => ["ZRH-LIS", t, 12, 1]),
                    false,
                ),
            );
            athena.on(GetQueryResultsCommand, { QueryExecutionId: "q2" }).resolves(page(["route", "currency", "dt", "hour", "searches", "bookings", "offers", "avg_price"], [], true));
            const puts = recordPuts();

            const report = await trainOnAthena("lake-wg", "lake_db", { kmsKeyId: "arn:key", now: new Date("2026-12-01T03:00:00Z") });
            expect(sqls).to.deep.equal([renderForecastQuery({ events: "events", from: "2026-11-29", to: "2026-12-01" }), renderTrainingQuery({ events: "events", from: "2026-11-29", to: "2026-12-01" })]);
            if (!("version" in report.forecast)) throw new Error("forecast skipped");
            expect(report.forecast.rows).to.equal(48);
            expect(puts).to.deep.equal([
                { Key: `forecast/models/${report.forecast.version}/model.json`, SSEKMSKeyId: "arn:key" },
                { Key: "forecast/latest.json", SSEKMSKeyId: "arn:key" },
                { Key: "models/scoring/2026-12-01T030000Z/artifact.json", SSEKMSKeyId: "arn:key" },
                { Key: "models/scoring/latest.json", SSEKMSKeyId: "arn:key" },
            ]);
        });

        it("fails when the Athena query fails, naming the query and reason, and writes no artifact", async () => {
            athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "qx" });
            athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND: events" } } });
            const puts = recordPuts();
            let err: Error | undefined;
            try {
                await trainOnAthena("w", "d");
            } catch (e) {
                err = e as Error;
            }
            expect(err?.message).to.equal("training: Athena query qx FAILED: TABLE_NOT_FOUND: events");
            expect(puts).to.deep.equal([]);
        });
    });

    it("locally: the same job on DuckDB over the lake (S3 emulator) stores both models, and the processor's loader reads the forecast", async () => {
        const { startS3 } = await import("../../local/emulators/s3");
        const { trainModelsFromLake } = await import("../../local/scoring-train");
        const { loadLatestModel } = await import("../../functions/forecast/artifact");
        const s3 = await startS3({ buckets: ["lake"] });
        const client = s3.client();
        try {
            let n = 0;
            for (let h = 0; h < 48; h++) {
                const at = new Date(Date.parse("2026-11-29T00:00:00Z") + h * 3_600_000 + 60_000).toISOString();
                const lines = [0, 1, 2].map((i) => JSON.stringify(search(`s${h}-${i}`, at)));
                await client.send(new PutObjectCommand({ Bucket: "lake", Key: lakeKey(JSON.parse(lines[0]), n++), Body: gzipSync(lines.join("\n") + "\n") }));
            }
            const report = await trainModelsFromLake({ s3: client, lakeBucket: "lake", from: "2026-11-29", to: "2026-12-01", now: new Date("2026-12-01T03:00:00Z") });
            if (!("version" in report.forecast)) throw new Error(`forecast skipped: ${report.forecast.skipped}`);
            expect(report.forecast.rows).to.equal(48);
            const model = await loadLatestModel(client, "lake");
            expect([model?.version, model?.from, model?.to, Object.keys(model?.metrics.searches.routes ?? {})]).to.deep.equal([report.forecast.version, "2026-11-29T00:00:00.000Z", "2026-11-30T23:00:00.000Z", ["ZRH-LIS"]]);
            expect(report.scoring.key).to.equal("models/scoring/2026-12-01T030000Z/artifact.json");
            // A window without events keeps the current forecast (skips it, says why).
            const empty = await trainModelsFromLake({ s3: client, lakeBucket: "lake", from: "2026-11-01", to: "2026-11-02" });
            expect(empty.forecast).to.deep.equal({ skipped: "no searches or bookings in the lake from 2026-11-01 to 2026-11-02 (exclusive); the current forecast stays" });
            expect((await loadLatestModel(client, "lake"))?.version).to.equal(report.forecast.version);
        } finally {
            client.destroy();
            await s3.stop();
        }
    });
});
