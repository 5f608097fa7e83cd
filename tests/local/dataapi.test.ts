import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { BatchExecuteStatementCommand, BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, ExecuteStatementCommandInput, RDSDataClient, RollbackTransactionCommand, SqlParameter } from "@aws-sdk/client-rds-data";
import { DataApi, startDataApi } from "../../local/dataapi";

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
    try {
        await p;
    } catch (e) {
        const err = e as Error & { $metadata?: { httpStatusCode?: number } };
        return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
    }
    throw new Error("expected the call to fail");
}

describe("local/dataapi (RDS Data API over PGlite, real SDK client)", function () {
    this.timeout(60000);
    let api: DataApi;
    let client: RDSDataClient;
    let target: { resourceArn: string; secretArn: string; database: string };
    const exec = (sql: string, extra: Partial<ExecuteStatementCommandInput> = {}) => client.send(new ExecuteStatementCommand({ ...target, sql, ...extra }));

    before(async () => {
        api = await startDataApi();
        client = api.client();
        target = { resourceArn: api.resourceArn, secretArn: api.secretArn, database: api.database };
        await exec(
            "CREATE TABLE flights (id serial PRIMARY KEY, route text NOT NULL, seats int4 NOT NULL DEFAULT 0, fare numeric(10,2), ok boolean, score float8, dep date, t time, ts timestamp, tz timestamptz, doc jsonb, ref uuid, raw bytea, tags text[], nums int8[])",
        );
    });
    after(async () => {
        await api?.stop();
    });

    it("answers with the default target names", () => {
        expect(target).to.deep.equal({
            resourceArn: "arn:aws:rds:us-east-1:000000000000:cluster:flightstream-local",
            secretArn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:flightstream-local-db-AbCdEf",
            database: "flightstream",
        });
        expect(api.endpoint).to.equal(`http://127.0.0.1:${api.port}`);
    });

    it("ExecuteStatement: DDL and DML report numberOfRecordsUpdated and empty generatedFields", async () => {
        await exec("CREATE TABLE counters (k text PRIMARY KEY, v int8 NOT NULL)");
        const ins = await exec("INSERT INTO counters VALUES ('a', 1), ('b', 2), ('c', 3)");
        expect(ins.numberOfRecordsUpdated).to.equal(3);
        expect(ins.generatedFields).to.deep.equal([]);
        expect(ins.records).to.equal(undefined);
        const upd = await exec("UPDATE counters SET v = v + 1 WHERE k <> :k", { parameters: [{ name: "k", value: { stringValue: "a" } }] });
        expect(upd.numberOfRecordsUpdated).to.equal(2);
        const sel = await exec("SELECT k, v FROM counters ORDER BY k");
        expect(sel.numberOfRecordsUpdated).to.equal(0);
        expect(sel.records).to.deep.equal([
            [{ stringValue: "a" }, { longValue: 1 }],
            [{ stringValue: "b" }, { longValue: 3 }],
            [{ stringValue: "c" }, { longValue: 4 }],
        ]);
        const ret = await exec("INSERT INTO counters VALUES ('d', 9) RETURNING k, v");
        expect(ret.numberOfRecordsUpdated).to.equal(1);
        expect(ret.records).to.deep.equal([[{ stringValue: "d" }, { longValue: 9 }]]);
    });

    it("round-trips every parameter type and type hint", async () => {
        const parameters: SqlParameter[] = [
            { name: "route", value: { stringValue: "LHR-JFK" } },
            { name: "seats", value: { longValue: 42 } },
            { name: "fare", value: { stringValue: "199.95" }, typeHint: "DECIMAL" },
            { name: "ok", value: { booleanValue: true } },
            { name: "score", value: { doubleValue: 0.125 } },
            { name: "dep", value: { stringValue: "2026-11-22" }, typeHint: "DATE" },
            { name: "t", value: { stringValue: "07:45:30.5" }, typeHint: "TIME" },
            { name: "ts", value: { stringValue: "2026-11-22 07:45:30.123" }, typeHint: "TIMESTAMP" },
            { name: "tz", value: { isNull: true } },
            { name: "doc", value: { stringValue: '{"cabin":"J","legs":[1,2]}' }, typeHint: "JSON" },
            { name: "ref", value: { stringValue: "6f1c1a1e-0000-4000-8000-000000000001" }, typeHint: "UUID" },
            { name: "raw", value: { blobValue: new Uint8Array([0, 1, 254, 255]) } },
            { name: "tags", value: { arrayValue: { stringValues: ["hot", "a b", 'q"uote'] } } },
            { name: "nums", value: { arrayValue: { longValues: [1, 2, 3] } } },
        ];
        const ins = await exec("INSERT INTO flights (route, seats, fare, ok, score, dep, t, ts, tz, doc, ref, raw, tags, nums) VALUES (:route, :seats, :fare, :ok, :score, :dep, :t, :ts, :tz, :doc, :ref, :raw, :tags, :nums) RETURNING id", {
            parameters,
        });
        const id = ins.records![0][0].longValue!;
        const sel = await exec("SELECT route, seats, fare, ok, score, dep, t, ts, tz, doc, ref, raw, tags, nums FROM flights WHERE id = :id", {
            parameters: [{ name: "id", value: { longValue: id } }],
        });
        expect(sel.records).to.deep.equal([
            [
                { stringValue: "LHR-JFK" },
                { longValue: 42 },
                { stringValue: "199.95" },
                { booleanValue: true },
                { doubleValue: 0.125 },
                { stringValue: "2026-11-22" },
                { stringValue: "07:45:30.5" },
                { stringValue: "2026-11-22 07:45:30.123" },
                { isNull: true },
                { stringValue: '{"legs": [1, 2], "cabin": "J"}' },
                { stringValue: "6f1c1a1e-0000-4000-8000-000000000001" },
                { blobValue: new Uint8Array([0, 1, 254, 255]) },
                { arrayValue: { stringValues: ["hot", "a b", 'q"uote'] } },
                { arrayValue: { longValues: [1, 2, 3] } },
            ],
        ]);
    });

    it("binds parameters with the types the service uses (varchar, int8, float8, bool, arrays)", async () => {
        const res = await exec("SELECT pg_typeof(:s)::text, pg_typeof(:l)::text, pg_typeof(:d)::text, pg_typeof(:b)::text, pg_typeof(:a)::text, pg_typeof(:nested)::text, :nested", {
            parameters: [
                { name: "s", value: { stringValue: "x" } },
                { name: "l", value: { longValue: 1 } },
                { name: "d", value: { doubleValue: 1.5 } },
                { name: "b", value: { booleanValue: false } },
                { name: "a", value: { arrayValue: { doubleValues: [1.5] } } },
                { name: "nested", value: { arrayValue: { arrayValues: [{ longValues: [1, 2] }, { longValues: [3, 4] }] } } },
            ],
        });
        expect(res.records).to.deep.equal([
            [
                { stringValue: "character varying" },
                { stringValue: "bigint" },
                { stringValue: "double precision" },
                { stringValue: "boolean" },
                { stringValue: "double precision[]" },
                { stringValue: "bigint[]" },
                { arrayValue: { arrayValues: [{ longValues: [1, 2] }, { longValues: [3, 4] }] } },
            ],
        ]);
    });

    it("fails when a string goes to a uuid column without typeHint, as on Aurora", async () => {
        const err = await failure(exec("INSERT INTO flights (route, ref) VALUES ('X', :ref)", { parameters: [{ name: "ref", value: { stringValue: "6f1c1a1e-0000-4000-8000-000000000001" } }] }));
        expect(err).to.deep.equal({
            name: "DatabaseErrorException",
            status: 400,
            message: 'ERROR: column "ref" is of type uuid but expression is of type character varying\n  Hint: You will need to rewrite or cast the expression.\n  Position: 47; SQLState: 42804',
        });
    });

    it("includeResultMetadata returns columnMetadata", async () => {
        const res = await exec("SELECT 1::int4 AS a, 'x'::text AS b, 2.5::numeric AS c, now() AS d, ARRAY[1,2]::int8[] AS e", { includeResultMetadata: true });
        expect(res.columnMetadata!.map((c) => [c.name, c.label, c.type, c.typeName, c.arrayBaseColumnType, c.tableName, c.nullable])).to.deep.equal([
            ["a", "a", 4, "int4", 0, "", 2],
            ["b", "b", 12, "text", 0, "", 2],
            ["c", "c", 2, "numeric", 0, "", 2],
            ["d", "d", 93, "timestamptz", 0, "", 2],
            ["e", "e", 2003, "_int8", -5, "", 2],
        ]);
    });

    it("columnMetadata of table columns carries table, nullability, serial and numeric precision", async () => {
        const res = await exec("SELECT id, route, fare, seats + 1 AS next FROM flights LIMIT 0", { includeResultMetadata: true });
        expect(res.records).to.deep.equal([]);
        expect(
            res.columnMetadata!.map((c) => ({ name: c.name, typeName: c.typeName, schemaName: c.schemaName, tableName: c.tableName, nullable: c.nullable, isAutoIncrement: c.isAutoIncrement, precision: c.precision, scale: c.scale })),
        ).to.deep.equal([
            { name: "id", typeName: "serial", schemaName: "public", tableName: "flights", nullable: 0, isAutoIncrement: true, precision: 10, scale: 0 },
            { name: "route", typeName: "text", schemaName: "public", tableName: "flights", nullable: 0, isAutoIncrement: false, precision: 2147483647, scale: 0 },
            { name: "fare", typeName: "numeric", schemaName: "public", tableName: "flights", nullable: 1, isAutoIncrement: false, precision: 10, scale: 2 },
            { name: "next", typeName: "int4", schemaName: "", tableName: "", nullable: 2, isAutoIncrement: false, precision: 10, scale: 0 },
        ]);
    });

    it('formatRecordsAs "JSON" returns formattedRecords instead of records', async () => {
        const res = await exec("SELECT 7::int8 AS n, 'a' AS s, true AS b, NULL::text AS z, 1.50::numeric(4,2) AS d, 0.5::float8 AS f, ARRAY['x','y'] AS arr, '\\x0102'::bytea AS raw", { formatRecordsAs: "JSON" });
        expect(res.records).to.equal(undefined);
        expect(res.formattedRecords).to.equal('[{"n":7,"s":"a","b":true,"z":null,"d":"1.50","f":0.5,"arr":["x","y"],"raw":"AQI="}]');
    });

    it("resultSetOptions switch decimals to numbers and longs to strings", async () => {
        const res = await exec("SELECT 1.25::numeric, 4::numeric, 9007199254740993::int8", {
            resultSetOptions: { decimalReturnType: "DOUBLE_OR_LONG", longReturnType: "STRING" },
        });
        expect(res.records).to.deep.equal([[{ doubleValue: 1.25 }, { longValue: 4 }, { stringValue: "9007199254740993" }]]);
    });

    it("BatchExecuteStatement runs 1,000 parameter sets and returns RETURNING values as generatedFields", async () => {
        await exec("CREATE TABLE batch_events (id serial PRIMARY KEY, event_id text UNIQUE NOT NULL, seats int8 NOT NULL)");
        const parameterSets: SqlParameter[][] = Array.from({ length: 1000 }, (_, i) => [
            { name: "e", value: { stringValue: `evt-${i}` } },
            { name: "s", value: { longValue: i } },
        ]);
        const res = await client.send(new BatchExecuteStatementCommand({ ...target, sql: "INSERT INTO batch_events (event_id, seats) VALUES (:e, :s) RETURNING id", parameterSets }));
        expect(res.updateResults).to.have.length(1000);
        expect(res.updateResults!.map((u) => u.generatedFields![0].longValue)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
        const sum = await exec("SELECT count(*), sum(seats) FROM batch_events");
        expect(sum.records).to.deep.equal([[{ longValue: 1000 }, { stringValue: "499500" }]]);
        const noReturning = await client.send(new BatchExecuteStatementCommand({ ...target, sql: "UPDATE batch_events SET seats = seats + 1 WHERE event_id = :e", parameterSets: [[{ name: "e", value: { stringValue: "evt-1" } }]] }));
        expect(noReturning.updateResults).to.deep.equal([{ generatedFields: [] }]);
    });

    it("fails when one parameter set of a batch fails, and applies none of them", async () => {
        await exec("CREATE TABLE batch_atomic (k text PRIMARY KEY)");
        const err = await failure(
            client.send(
                new BatchExecuteStatementCommand({
                    ...target,
                    sql: "INSERT INTO batch_atomic VALUES (:k)",
                    parameterSets: [[{ name: "k", value: { stringValue: "a" } }], [{ name: "k", value: { stringValue: "a" } }]],
                }),
            ),
        );
        expect(err.name).to.equal("DatabaseErrorException");
        expect(err.message).to.equal('ERROR: duplicate key value violates unique constraint "batch_atomic_pkey"\n  Detail: Key (k)=(a) already exists.; SQLState: 23505');
        expect((await exec("SELECT count(*) FROM batch_atomic")).records).to.deep.equal([[{ longValue: 0 }]]);
    });

    it("transactions: commit makes writes visible; rollback discards them; others never see uncommitted rows", async () => {
        await exec("CREATE TABLE tx_test (k text PRIMARY KEY)");
        const commitTx = (await client.send(new BeginTransactionCommand(target))).transactionId!;
        await exec("INSERT INTO tx_test VALUES ('committed')", { transactionId: commitTx });
        expect((await exec("SELECT count(*) FROM tx_test", { transactionId: commitTx })).records).to.deep.equal([[{ longValue: 1 }]]);
        const status = await client.send(new CommitTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: commitTx }));
        expect(status.transactionStatus).to.equal("Transaction Committed");

        const rollbackTx = (await client.send(new BeginTransactionCommand(target))).transactionId!;
        await client.send(
            new BatchExecuteStatementCommand({ ...target, transactionId: rollbackTx, sql: "INSERT INTO tx_test VALUES (:k)", parameterSets: [[{ name: "k", value: { stringValue: "x" } }], [{ name: "k", value: { stringValue: "y" } }]] }),
        );
        // A read outside the transaction waits for the connection instead of seeing the uncommitted rows.
        const outside = exec("SELECT k FROM tx_test ORDER BY k");
        expect((await exec("SELECT count(*) FROM tx_test", { transactionId: rollbackTx })).records).to.deep.equal([[{ longValue: 3 }]]);
        const rb = await client.send(new RollbackTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: rollbackTx }));
        expect(rb.transactionStatus).to.equal("Rollback Complete");
        expect((await outside).records).to.deep.equal([[{ stringValue: "committed" }]]);
    });

    it("serialises concurrent callers: 40 autocommit increments and a transaction interleaved lose nothing", async () => {
        await exec("CREATE TABLE concurrent (k text PRIMARY KEY, n int8 NOT NULL)");
        await exec("INSERT INTO concurrent VALUES ('c', 0)");
        const bump = () => exec("UPDATE concurrent SET n = n + 1 WHERE k = 'c'");
        const inTx = (async () => {
            const tx = (await client.send(new BeginTransactionCommand(target))).transactionId!;
            await Promise.all([1, 2, 3].map(() => exec("UPDATE concurrent SET n = n + 100 WHERE k = 'c'", { transactionId: tx })));
            await client.send(new CommitTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: tx }));
        })();
        await Promise.all([...Array.from({ length: 40 }, bump), inTx]);
        expect((await exec("SELECT n FROM concurrent")).records).to.deep.equal([[{ longValue: 340 }]]);
    });

    it("fails with TransactionNotFoundException for an ended or unknown transaction", async () => {
        const tx = (await client.send(new BeginTransactionCommand(target))).transactionId!;
        await client.send(new CommitTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: tx }));
        expect(await failure(exec("SELECT 1", { transactionId: tx }))).to.deep.equal({
            name: "TransactionNotFoundException",
            status: 404,
            message: `Transaction ${tx} is not found: One previous call resulted in a termination of your transaction`,
        });
        expect(await failure(client.send(new CommitTransactionCommand({ resourceArn: target.resourceArn, secretArn: target.secretArn, transactionId: "bogus" })))).to.deep.equal({
            name: "TransactionNotFoundException",
            status: 404,
            message: "Transaction bogus is not found",
        });
    });

    it("fails when a statement in a transaction fails, and ends the transaction", async () => {
        await exec("CREATE TABLE tx_abort (k text PRIMARY KEY)");
        const tx = (await client.send(new BeginTransactionCommand(target))).transactionId!;
        await exec("INSERT INTO tx_abort VALUES ('a')", { transactionId: tx });
        const err = await failure(exec("INSERT INTO tx_abort VALUES ('a')", { transactionId: tx }));
        expect(err.name).to.equal("DatabaseErrorException");
        const after = await failure(exec("SELECT 1", { transactionId: tx }));
        expect(after.message).to.equal(`Transaction ${tx} is not found: Transaction has been aborted due to an error from a previous call`);
        expect((await exec("SELECT count(*) FROM tx_abort")).records).to.deep.equal([[{ longValue: 0 }]]);
    });

    it("fails with DatabaseErrorException carrying the PostgreSQL text for a syntax error", async () => {
        expect(await failure(exec("SELEC 1"))).to.deep.equal({
            name: "DatabaseErrorException",
            status: 400,
            message: 'ERROR: syntax error at or near "SELEC"\n  Position: 1; SQLState: 42601',
        });
    });

    it("fails when the SQL holds several statements, as the service does", async () => {
        expect(await failure(exec("SELECT 1; SELECT 2"))).to.deep.equal({
            name: "DatabaseErrorException",
            status: 400,
            message: "ERROR: cannot insert multiple commands into a prepared statement; SQLState: 42601",
        });
    });

    it("fails when SQL tries to control the transaction itself", async () => {
        expect(await failure(exec("BEGIN"))).to.deep.equal({
            name: "BadRequestException",
            status: 400,
            message: "Transaction control statements are not supported in SQL; use BeginTransaction, CommitTransaction and RollbackTransaction.",
        });
    });

    it("fails with NotFoundException for an unknown resource ARN or secret", async () => {
        expect(await failure(client.send(new ExecuteStatementCommand({ ...target, resourceArn: "arn:aws:rds:us-east-1:000000000000:cluster:other", sql: "SELECT 1" })))).to.deep.equal({
            name: "NotFoundException",
            status: 404,
            message: "Resource arn:aws:rds:us-east-1:000000000000:cluster:other not found (this local Data API serves arn:aws:rds:us-east-1:000000000000:cluster:flightstream-local).",
        });
        const secret = "arn:aws:secretsmanager:us-east-1:000000000000:secret:other";
        expect((await failure(client.send(new BeginTransactionCommand({ ...target, secretArn: secret })))).name).to.equal("NotFoundException");
    });

    it("fails with BadRequestException for a malformed ARN, a missing sql, or a bad parameter", async () => {
        expect(await failure(client.send(new ExecuteStatementCommand({ ...target, resourceArn: "cluster-1", sql: "SELECT 1" })))).to.deep.equal({
            name: "BadRequestException",
            status: 400,
            message: 'Invalid resourceArn "cluster-1": expected arn:aws:rds:<region>:<account>:cluster:<name>.',
        });
        expect((await failure(exec(""))).message).to.equal("sql is required.");
        expect((await failure(exec("SELECT :a", { parameters: [{ name: "a", value: { stringValue: "x" }, typeHint: "INTERVAL" as never }] }))).message).to.equal(
            'Invalid parameter "a": typeHint "INTERVAL" is not one of DATE, TIME, TIMESTAMP, DECIMAL, JSON, UUID.',
        );
        expect((await failure(exec("SELECT :a", { parameters: [{ name: "a", value: { longValue: 1 }, typeHint: "DATE" }] }))).message).to.equal('Invalid parameter "a": typeHint DATE applies to stringValue only; received longValue.');
    });

    it("fails when the database is not the one served", async () => {
        expect(await failure(exec("SELECT 1", { database: "other" }))).to.deep.equal({
            name: "DatabaseErrorException",
            status: 400,
            message: 'FATAL: database "other" does not exist; SQLState: 3D000',
        });
    });

    it("fails when a result exceeds 1 MiB or a row exceeds 64 KB", async () => {
        const big = await failure(exec("SELECT repeat('x', 60000) FROM generate_series(1, 20)"));
        expect(big.name).to.equal("BadRequestException");
        expect(big.message).to.equal("Database returned more than the allowed response size limit (1200421 bytes; the limit is 1048576). Use LIMIT to page through the result.");
        const wide = await failure(exec("SELECT repeat('y', 70000)"));
        expect(wide.message).to.equal("Packet for query is too large: a result row is 70000 bytes; the Data API returns at most 65536 bytes per row.");
    });

    it("fails when a BatchExecuteStatement request exceeds 4 MiB", async () => {
        const chunk = "z".repeat(100 * 1024);
        const parameterSets = Array.from({ length: 45 }, () => [{ name: "v", value: { stringValue: chunk } }]);
        const err = await failure(client.send(new BatchExecuteStatementCommand({ ...target, sql: "SELECT :v", parameterSets })));
        expect(err.name).to.equal("BadRequestException");
        expect(err.message).to.match(/^Request size \d+ bytes exceeds the limit of 4194304 bytes \(4 MiB\)\.$/);
    });
});

describe("local/dataapi timeouts and persistence", function () {
    this.timeout(60000);

    it("fails with StatementTimeoutException when a transaction holds the connection too long, and expires idle transactions", async () => {
        const api = await startDataApi({ statementTimeoutMs: 200, transactionIdleTimeoutMs: 600 });
        try {
            const client = api.client();
            const target = { resourceArn: api.resourceArn, secretArn: api.secretArn };
            const tx = (await client.send(new BeginTransactionCommand(target))).transactionId!;
            expect(await failure(client.send(new ExecuteStatementCommand({ ...target, sql: "SELECT 1" })))).to.deep.equal({
                name: "StatementTimeoutException",
                status: 400,
                message: "Request timed out",
            });
            // After the idle timeout the transaction is rolled back and the connection is free again.
            await new Promise((r) => setTimeout(r, 900));
            expect((await failure(client.send(new ExecuteStatementCommand({ ...target, sql: "SELECT 1", transactionId: tx })))).message).to.equal(`Transaction ${tx} is not found: Transaction may be expired`);
            expect((await client.send(new ExecuteStatementCommand({ ...target, sql: "SELECT 1" }))).records).to.deep.equal([[{ longValue: 1 }]]);
        } finally {
            await api.stop();
        }
    });

    it("keeps data in dataDir across restarts", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dataapi-"));
        try {
            const first = await startDataApi({ dataDir: dir, database: "pond" });
            const target = { resourceArn: first.resourceArn, secretArn: first.secretArn, database: "pond" };
            await first.client().send(new ExecuteStatementCommand({ ...target, sql: "CREATE TABLE kept (v text)" }));
            await first.client().send(new ExecuteStatementCommand({ ...target, sql: "INSERT INTO kept VALUES ('still here')" }));
            await first.stop();
            const second = await startDataApi({ dataDir: dir, database: "pond" });
            try {
                const res = await second.client().send(new ExecuteStatementCommand({ ...target, sql: "SELECT v FROM kept" }));
                expect(res.records).to.deep.equal([[{ stringValue: "still here" }]]);
            } finally {
                await second.stop();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fails when startDataApi gets a malformed ARN", async () => {
        let err: Error | undefined;
        try {
            await startDataApi({ resourceArn: "my-cluster" });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal('`resourceArn` must look like arn:aws:rds:<region>:<account>:cluster:<name>; received "my-cluster".');
    });
});
