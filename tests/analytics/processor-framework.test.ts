/**
 * The analytics processor on the consumer framework (functions/consumer/framework.ts): in-batch
 * copies reach the write path through each carrying record's own part, a failed record fails
 * every record carrying a copy of its events, and every acknowledged event is counted once
 * across the fault and the redelivery.
 */
import { expect } from "chai";
import { DataApi } from "../../functions/shared/db/dataapi";
import * as SQL from "../../functions/processor/sql";
import { jsonRecord, kinesisEvent, kinesisRecord, processorSuite, search } from "./helpers";

const at = (minute: number) => new Date(Date.parse("2026-11-22T10:00:00Z") + minute * 60_000).toISOString();
const SEARCHES = "SELECT route, sum(searches)::int AS n FROM route_minute_stats GROUP BY route ORDER BY route";

describe("processor on the consumer framework", function () {
    this.timeout(60000);
    const t = processorSuite("processor-test");
    const make = t.make;

    it("counts an exact copy carried by two records once, and a redelivery of either record adds nothing", async () => {
        const a = jsonRecord(search("s1", "ZRH-LIS", at(0)), "100");
        const b = jsonRecord([search("s1", "ZRH-LIS", at(0)), search("s2", "ZRH-LIS", at(1))], "101");
        const out = await make().processBatch(kinesisEvent([a, b]));
        expect(out.response).to.deep.equal({ batchItemFailures: [] });
        expect(out.stats).to.include({ counted: 2, partsClaimed: 2 });
        expect(await t.db.query(SEARCHES)).to.deep.equal([{ route: "ZRH-LIS", n: 2 }]);
        // Lambda retries from a record: each record alone is recognised by its claimed part.
        for (const r of [b, a]) {
            const again = await make().processBatch(kinesisEvent([r]));
            expect(again.stats).to.include({ counted: 0, partsClaimed: 0 });
        }
        expect(await t.db.query(SEARCHES)).to.deep.equal([{ route: "ZRH-LIS", n: 2 }]);
    });

    it("fails every record carrying a copy of a failed record's events; the redelivery counts each event once", async () => {
        const failing = new DataApi(t.db.target);
        let calls = 0;
        const orig = failing.execute.bind(failing);
        // Cut twice: the batch's transaction (rolled back whole), then A's chunk.
        failing.execute = async (sql, params, tx) => {
            if (sql === SQL.UPSERT_ROUTE_MINUTES && ++calls <= 2) throw new Error("connection reset (simulated store cut)");
            return orig(sql, params, tx);
        };
        const a = jsonRecord(search("s1", "ZRH-LIS", at(0)), "200");
        const c = jsonRecord(search("s3", "ZRH-MAD", at(0)), "201");
        const b = jsonRecord(search("s1", "ZRH-LIS", at(0)), "202");
        // One record per chunk: A's write is cut; C and B commit (B counts s1 and claims its part).
        const out = await make({ db: failing, limits: { maxItems: 1 } }).processBatch(kinesisEvent([a, c, b]));
        expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "200" }, { itemIdentifier: "202" }] });
        // Lambda redelivers from the lowest failure: A, C and B again.
        const retry = await make().processBatch(kinesisEvent([a, c, b]));
        expect(retry.response).to.deep.equal({ batchItemFailures: [] });
        expect(await t.db.query(SEARCHES)).to.deep.equal([
            { route: "ZRH-LIS", n: 1 },
            { route: "ZRH-MAD", n: 1 },
        ]);
    });

    it("fails when a record is poison: only that record is reported, kept in rejected_events, the others counted", async () => {
        const good = jsonRecord(search("g1", "ZRH-LIS", at(0)), "300");
        const bad = kinesisRecord(Buffer.from("{not json"), "301");
        const out = await make().processBatch(kinesisEvent([good, bad]));
        expect(out.response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "301" }] });
        expect(out.poisonRecords).to.equal(1);
        expect(await t.db.query("SELECT sequence_number, reason FROM rejected_events")).to.deep.equal([{ sequence_number: "301", reason: "invalid-json" }]);
        expect(await t.db.query(SEARCHES)).to.deep.equal([{ route: "ZRH-LIS", n: 1 }]);
    });
});
