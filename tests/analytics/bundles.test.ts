/**
 * The Lambda bundles as AWS runs them: esbuild output (components/common/bundle.ts)
 * loaded from a folder laid out like the deployment package, configured only by
 * environment variables, against the local Data API.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleFunction } from "@flightstream/components/common/bundle";
import { loadMigrations, migrationsHash } from "../../functions/shared/db/migrations";
import { jsonRecord, kinesisEvent, search, sharedTestDb, truncateAll } from "./helpers";

function writeBundle(name: string, extra: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bundle-${name}-`));
    const { code } = bundleFunction(name);
    fs.writeFileSync(path.join(dir, "index.js"), code);
    for (const [file, text] of Object.entries(extra)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

describe("analytics: bundled Lambda handlers against the local Data API", function () {
    this.timeout(120_000);
    const dirs: string[] = [];
    let saved: Record<string, string | undefined> = {};

    before(async () => {
        const { db } = await sharedTestDb();
        const t = db.target;
        const endpoint = await t.client.config.endpoint!();
        const env: Record<string, string> = {
            DB_CLUSTER_ARN: t.resourceArn,
            DB_SECRET_ARN: t.secretArn,
            DB_NAME: t.database,
            DATA_API_ENDPOINT: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "AKIALOCAL",
            AWS_SECRET_ACCESS_KEY: "local",
            POWERTOOLS_LOG_LEVEL: "SILENT",
            POWERTOOLS_METRICS_DISABLED: "true",
            CLEANUP_INTERVAL_MINUTES: "0",
        };
        saved = Object.fromEntries([...Object.keys(env), "MIGRATIONS_DIR"].map((k) => [k, process.env[k]]));
        Object.assign(process.env, env);
        delete process.env.MIGRATIONS_DIR;
        await truncateAll(db);
    });
    after(() => {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("the migrate bundle reads the migrations shipped beside it and applies nothing new", async () => {
        const migrations = loadMigrations();
        const dir = writeBundle("migrate", Object.fromEntries(migrations.map((m) => [`migrations/${m.version}_${m.name}.sql`, m.sql])));
        dirs.push(dir);
        const { handler } = require(path.join(dir, "index.js"));
        const hash = migrationsHash(migrations);
        expect(await handler({ expectedHash: hash })).to.deep.equal({ applied: [], alreadyApplied: migrations.map((m) => `${m.version}_${m.name}`), hash });
    });

    it("fails when the deployment's hash differs from the bundled migrations", async () => {
        const dir = dirs[0];
        const { handler } = require(path.join(dir, "index.js"));
        let err: Error | undefined;
        try {
            await handler({ expectedHash: "abc" });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal(`Migration bundle mismatch: deployment expected migrations hash abc, the bundle has ${migrationsHash(loadMigrations())}.`);
    });

    it("the processor bundle counts a batch through the environment's Data API", async () => {
        const dir = writeBundle("processor");
        dirs.push(dir);
        const { handler } = require(path.join(dir, "index.js"));
        const res = await handler(kinesisEvent([jsonRecord([search("bundle-1", "ZRH-LIS", "2026-11-22T10:00:00Z"), search("bundle-2", "ZRH-LIS", "2026-11-22T10:00:10Z")]), jsonRecord({ nope: true }, "77")]));
        expect(res).to.deep.equal({ batchItemFailures: [{ itemIdentifier: "77" }] });
        const { db } = await sharedTestDb();
        expect(await db.query("SELECT route, searches::int AS searches FROM route_minute_stats")).to.deep.equal([{ route: "ZRH-LIS", searches: 2 }]);
    });

    it("the insights bundle answers an API Gateway v2 event", async () => {
        const dir = writeBundle("insights");
        dirs.push(dir);
        const { handler } = require(path.join(dir, "index.js"));
        const res = await handler({ rawPath: "/v1/inventory/LX/1/2026-12-01", requestContext: { http: { method: "GET" } }, queryStringParameters: {} });
        expect(res.statusCode).to.equal(404);
        expect(JSON.parse(res.body)).to.deep.equal({ message: "no booking recorded for flight LX 1 on 2026-12-01" });
    });
});
