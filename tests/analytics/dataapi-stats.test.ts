import { expect } from "chai";
import { sharedTestDb } from "./helpers";

describe("DataApi call statistics (feed the processor's DataApiLatency/DataApiErrors metrics)", function () {
    this.timeout(60000);

    it("counts calls, errors and latency, and resets when taken", async () => {
        const { db } = await sharedTestDb();
        db.takeStats();
        await db.query("SELECT 1 AS one");
        await db.batchExecute("SELECT :x::int", [{ x: 1 }, { x: 2 }]);
        await db.query("SELECT * FROM no_such_table").catch(() => undefined);
        const s = db.takeStats();
        expect(s.calls).to.equal(3);
        expect(s.errors).to.equal(1);
        expect(s.totalMs).to.be.greaterThan(0);
        expect(s.maxMs).to.be.at.most(s.totalMs);
        expect(db.takeStats()).to.deep.equal({ calls: 0, errors: 0, totalMs: 0, maxMs: 0 });
    });
});
