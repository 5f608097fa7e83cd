import { expect } from "chai";
import { DataApi } from "../../functions/shared/db/dataapi";
import { runMigrations } from "../../functions/shared/db/migrations";
import { startTestDb, TestDb } from "./helpers";

/** Runs `sql` as `role` inside a transaction that is always rolled back; returns the error message or "ok". */
async function as(db: DataApi, role: string, sql: string): Promise<string> {
    const tx = await db.begin();
    try {
        await db.execute(`SET LOCAL ROLE ${role}`, {}, tx);
        await db.execute(sql, {}, tx);
        return "ok";
    } catch (e) {
        return (e as Error).message;
    } finally {
        await db.rollback(tx).catch(() => undefined);
    }
}

describe("analytics: per-function database roles (migration 0100)", function () {
    this.timeout(120_000);
    let t: TestDb;
    before(async () => {
        t = await startTestDb(true);
    });
    after(async () => {
        await t.stop();
    });

    it("creates the two login roles without superuser, database or role creation rights", async () => {
        const roles = await t.db.query("SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname LIKE 'flightstream_%' ORDER BY rolname");
        expect(roles).to.deep.equal([
            { rolname: "flightstream_insights", rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false },
            { rolname: "flightstream_processor", rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false },
        ]);
    });

    it("lets the insights role read every application table and write none", async () => {
        expect(await as(t.db, "flightstream_insights", "SELECT count(*) FROM route_minute_stats")).to.equal("ok");
        expect(await as(t.db, "flightstream_insights", "SELECT count(*) FROM alerts")).to.equal("ok");
        expect(await as(t.db, "flightstream_insights", "DELETE FROM alerts")).to.match(/permission denied for table alerts/);
        expect(await as(t.db, "flightstream_insights", "INSERT INTO processed_events (event_id, event_type, occurred_at) VALUES ('x', 'search', now())")).to.match(/permission denied for table processed_events/);
    });

    it("lets the processor role read and write rows but not change the schema or read the migration ledger", async () => {
        expect(await as(t.db, "flightstream_processor", "DELETE FROM alerts")).to.equal("ok");
        expect(await as(t.db, "flightstream_processor", "UPDATE route_minute_stats SET searches = searches")).to.equal("ok");
        expect(await as(t.db, "flightstream_processor", "CREATE TABLE sneaky (id int)")).to.match(/permission denied for schema public/);
        expect(await as(t.db, "flightstream_processor", "DROP TABLE alerts")).to.match(/must be owner of table alerts/);
        expect(await as(t.db, "flightstream_processor", "SELECT count(*) FROM schema_migrations")).to.match(/permission denied for table schema_migrations/);
        expect(await as(t.db, "flightstream_insights", "SELECT count(*) FROM schema_migrations")).to.match(/permission denied for table schema_migrations/);
    });

    it("gives tables a later migration creates the same grants, and re-running the migrations changes nothing", async () => {
        await t.db.execute("CREATE TABLE later_table (id int PRIMARY KEY)");
        expect(await as(t.db, "flightstream_insights", "SELECT count(*) FROM later_table")).to.equal("ok");
        expect(await as(t.db, "flightstream_insights", "INSERT INTO later_table VALUES (1)")).to.match(/permission denied for table later_table/);
        expect(await as(t.db, "flightstream_processor", "INSERT INTO later_table VALUES (1)")).to.equal("ok");
        expect((await runMigrations(t.db)).applied).to.deep.equal([]);
    });
});
