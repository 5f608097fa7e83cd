/**
 * Replay through the REAL stream processor (functions/processor createProcessor)
 * writing into the local Data API (PGlite): replaying twice changes nothing,
 * because the processor is idempotent by eventId.
 */
import { expect } from "chai";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { KinesisEmulator, startKinesis } from "../../local/emulators/kinesis";
import { startDataApi, dataApiClientConfig, type DataApi as DataApiEmulator } from "../../local/dataapi/server";
import { dataApiFromEnv, type DataApi } from "../../functions/shared/db/dataapi";
import { runMigrations } from "../../functions/shared/db/migrations";
import { createProcessor } from "../../functions/processor/handler";
import { runLocalWorkflow } from "../../local/workflows";
import { WorkflowDeps } from "../../functions/workflows/deps";

const STREAM = "replay-processor";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("workflows: replay through the real processor (kinesis-local + local Data API)", function () {
    this.timeout(60000);
    let kinesis: KinesisEmulator;
    let dataApi: DataApiEmulator;
    let client: KinesisClient;
    let db: DataApi;
    let from: string;
    let to: string;
    const perShard: Record<string, number> = {};

    before(async () => {
        process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
        process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
        [kinesis, dataApi] = await Promise.all([startKinesis({ streams: { [STREAM]: 2 } }), startDataApi()]);
        client = kinesis.client();
        db = dataApiFromEnv({ DB_CLUSTER_ARN: dataApi.resourceArn, DB_SECRET_ARN: dataApi.secretArn, DB_NAME: dataApi.database }, dataApiClientConfig(dataApi.endpoint));
        await runMigrations(db);
        from = new Date(Date.now() - 1000).toISOString();
        const occurredAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        const events = Array.from({ length: 24 }, (_, i) => ({
            eventId: `search-${i}`,
            type: "search",
            occurredAt,
            source: "web",
            origin: "LHR",
            destination: "JFK",
            departureDate: "2026-12-20",
            passengers: 1,
            cabin: "economy",
        }));
        const res = await client.send(new PutRecordsCommand({ StreamName: STREAM, Records: events.map((e) => ({ PartitionKey: e.eventId, Data: Buffer.from(JSON.stringify(e)) })) }));
        expect(res.FailedRecordCount ?? 0).to.equal(0);
        for (const r of res.Records!) perShard[r.ShardId!] = (perShard[r.ShardId!] ?? 0) + 1;
        await sleep(1100);
        to = new Date().toISOString();
    });
    after(async () => Promise.all([kinesis?.stop(), dataApi?.stop()]));

    it("counts every event once, and a second replay changes nothing", async () => {
        const processor = createProcessor({ db });
        const deps: WorkflowDeps = {
            settings: { region: "us-east-1", streamName: STREAM },
            kinesis: client,
            deliver: async (_t, event) => ({ failedSequenceNumbers: (await processor.handler(event)).batchItemFailures.map((f) => f.itemIdentifier) }),
        };
        const searches = async () => Number((await db.query<{ n: string | number }>("SELECT COALESCE(SUM(searches), 0) AS n FROM route_minute_stats WHERE origin = 'LHR' AND destination = 'JFK'"))[0].n);
        for (let round = 1; round <= 2; round++) {
            const run = await runLocalWorkflow("replay", { from, to, target: "analytics" }, { deps });
            expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
            const out = run.output as { sources: { source: string; records: number }[] };
            expect(Object.fromEntries(out.sources.map((s) => [s.source, s.records]))).to.deep.equal(perShard);
            expect(await searches(), `after replay ${round}`).to.equal(24);
        }
    });
});
