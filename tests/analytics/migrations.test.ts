import { expect } from "chai";
import { DataApi } from "../../functions/shared/db/dataapi";
import { MigrationError, checksumOf, loadMigrations, migrationsHash, parseMigrations, planMigrations, runMigrations } from "../../functions/shared/db/migrations";
import { splitSqlStatements } from "../../functions/shared/db/sql-split";
import { sharedTestDb } from "./helpers";

describe("analytics: SQL splitting", () => {
    it("splits on semicolons outside strings, identifiers, comments and dollar quotes (comments stay with the next statement)", () => {
        const sql = `-- header; not a statement
CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine');
/* block; /* nested; */ still comment */ INSERT INTO t VALUES ($$a;b$$, $tag$c;$$;d$tag$);
SELECT 1`;
        expect(splitSqlStatements(sql)).to.deep.equal([
            `-- header; not a statement\nCREATE TABLE "a;b" (x text DEFAULT 'it''s; fine')`,
            `/* block; /* nested; */ still comment */ INSERT INTO t VALUES ($$a;b$$, $tag$c;$$;d$tag$)`,
            "SELECT 1",
        ]);
    });

    it("drops comment-only and empty pieces", () => {
        expect(splitSqlStatements("-- only a comment\n;\n  ;/* x */;")).to.deep.equal([]);
    });

    it("fails when a string is not terminated", () => {
        expect(() => splitSqlStatements("SELECT 'abc")).to.throw("splitSqlStatements: unterminated string starting at offset 7.");
    });
});

describe("analytics: migration files", () => {
    it("loads the repository's migrations in version order with checksums", () => {
        const ms = loadMigrations();
        expect(ms.map((m) => `${m.version}_${m.name}`)).to.deep.equal(["0001_initial_schema", "0002_exactly_once", "0100_function_roles", "0110_sequence_claims_and_digests", "0118_forecast_alerts", "0181_scoring"]);
        expect(ms[0].checksum).to.equal(checksumOf(ms[0].sql));
        expect(migrationsHash(ms)).to.match(/^[0-9a-f]{64}$/);
    });

    it("fails when a file name is not NNNN_name.sql", () => {
        expect(() => parseMigrations([{ file: "1_init.sql", sql: "SELECT 1" }])).to.throw('Migration file names must look like NNNN_name.sql (4 digits, then lower-case letters, digits or _) (received "1_init.sql").');
    });

    it("fails when two files share a version", () => {
        expect(() =>
            parseMigrations([
                { file: "0001_a.sql", sql: "SELECT 1" },
                { file: "0001_b.sql", sql: "SELECT 2" },
            ]),
        ).to.throw("Migration version 0001 is used by both 0001_a.sql and 0001_b.sql; each version must be unique.");
    });

    it("plans only what is not applied, and normalises line endings in checksums", () => {
        const ms = parseMigrations([
            { file: "0002_b.sql", sql: "SELECT 2" },
            { file: "0001_a.sql", sql: "SELECT 1\r\n" },
        ]);
        expect(ms.map((m) => m.version)).to.deep.equal(["0001", "0002"]);
        expect(ms[0].checksum).to.equal(checksumOf("SELECT 1\n"));
        expect(planMigrations(ms, [{ version: "0001", name: "a", checksum: ms[0].checksum }]).map((m) => m.version)).to.deep.equal(["0002"]);
    });

    it("fails when an applied migration was edited", () => {
        const ms = parseMigrations([{ file: "0001_a.sql", sql: "SELECT 1" }]);
        expect(() => planMigrations(ms, [{ version: "0001", name: "a", checksum: "abc" }])).to.throw(
            MigrationError,
            `Migration 0001_a was edited after it was applied: checksum in schema_migrations is abc, the file's is ${ms[0].checksum}. Add a new migration instead of editing an applied one.`,
        );
    });

    it("fails when the database has a version with no file", () => {
        expect(() => planMigrations([], [{ version: "0007", name: "x", checksum: "abc" }])).to.throw("schema_migrations records version 0007 (x) but no migration file has that version; this code is older than the database schema.");
    });
});

describe("analytics: migration runner against the local Data API", function () {
    this.timeout(120_000);
    let db: DataApi;
    before(async () => {
        db = (await sharedTestDb()).db;
    });

    it("re-running the real migrations applies nothing", async () => {
        expect(await runMigrations(db)).to.deep.equal({ applied: [], alreadyApplied: ["0001_initial_schema", "0002_exactly_once", "0100_function_roles", "0110_sequence_claims_and_digests", "0118_forecast_alerts", "0181_scoring"] });
        const recorded = await db.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
        expect(recorded).to.deep.equal([
            { version: "0001", name: "initial_schema", checksum: loadMigrations()[0].checksum },
            { version: "0002", name: "exactly_once", checksum: loadMigrations()[1].checksum },
            { version: "0100", name: "function_roles", checksum: loadMigrations()[2].checksum },
            { version: "0110", name: "sequence_claims_and_digests", checksum: loadMigrations()[3].checksum },
            { version: "0118", name: "forecast_alerts", checksum: loadMigrations()[4].checksum },
            { version: "0181", name: "scoring", checksum: loadMigrations()[5].checksum },
        ]);
    });

    it("applies new migrations once, each in a transaction, and records them", async () => {
        const table = "mig_test_a";
        const v1 = parseMigrations([{ file: "0001_t.sql", sql: "CREATE TABLE mig_t (id int PRIMARY KEY);\nINSERT INTO mig_t VALUES (1);" }]);
        expect(await runMigrations(db, v1, { table })).to.deep.equal({ applied: ["0001_t"], alreadyApplied: [] });
        const v2 = parseMigrations([...v1.map((m) => ({ file: `${m.version}_${m.name}.sql`, sql: m.sql })), { file: "0002_u.sql", sql: "INSERT INTO mig_t VALUES (2)" }]);
        expect(await runMigrations(db, v2, { table })).to.deep.equal({ applied: ["0002_u"], alreadyApplied: ["0001_t"] });
        expect(await runMigrations(db, v2, { table })).to.deep.equal({ applied: [], alreadyApplied: ["0001_t", "0002_u"] });
        expect(await db.query("SELECT id FROM mig_t ORDER BY id")).to.deep.equal([{ id: 1 }, { id: 2 }]);
    });

    it("fails when a statement fails, leaving nothing of that migration behind", async () => {
        const table = "mig_test_b";
        const ms = parseMigrations([{ file: "0001_bad.sql", sql: "CREATE TABLE mig_bad (id int);\nINSERT INTO mig_bad VALUES ('x');" }]);
        let err: Error | undefined;
        try {
            await runMigrations(db, ms, { table });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.match(/^Migration 0001_bad failed: .*invalid input syntax for type integer/);
        expect(await db.query(`SELECT count(*)::int AS n FROM ${table}`)).to.deep.equal([{ n: 0 }]);
        expect(await db.query("SELECT to_regclass('mig_bad') IS NULL AS gone")).to.deep.equal([{ gone: true }]);
    });

    it("fails when an applied migration file was edited", async () => {
        const table = "mig_test_c";
        await runMigrations(db, parseMigrations([{ file: "0001_c.sql", sql: "SELECT 1" }]), { table });
        let err: Error | undefined;
        try {
            await runMigrations(db, parseMigrations([{ file: "0001_c.sql", sql: "SELECT 2" }]), { table });
        } catch (e) {
            err = e as Error;
        }
        expect(err).to.be.instanceOf(MigrationError);
        expect(err!.message).to.equal(
            `Migration 0001_c was edited after it was applied: checksum in schema_migrations is ${checksumOf("SELECT 1")}, the file's is ${checksumOf("SELECT 2")}. Add a new migration instead of editing an applied one.`,
        );
    });

    it("applies each migration once when two runners race", async () => {
        const table = "mig_test_d";
        const ms = parseMigrations([
            { file: "0001_d.sql", sql: "CREATE TABLE mig_d (id int)" },
            { file: "0002_d.sql", sql: "INSERT INTO mig_d VALUES (1)" },
        ]);
        const [a, b] = await Promise.all([runMigrations(db, ms, { table }), runMigrations(db, ms, { table })]);
        expect([...a.applied, ...b.applied].sort()).to.deep.equal(["0001_d", "0002_d"]);
        expect(await db.query("SELECT count(*)::int AS n FROM mig_d")).to.deep.equal([{ n: 1 }]);
    });
});
