import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { ExecuteStatementCommand, RDSDataClient } from "@aws-sdk/client-rds-data";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Emulators, startEmulators } from "../../local/emulators";

describe("local/emulators startEmulators", function () {
    this.timeout(60000);
    let emu: Emulators;
    let dir: string;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "emulators-"));
        emu = await startEmulators({ dir, kinesis: { streams: { events: 2 } }, s3: { buckets: ["lake"] } });
    });
    after(async () => {
        await emu?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("starts all three with data under dir", () => {
        expect(emu.kinesis!.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(emu.s3!.directory).to.equal(path.join(dir, "s3"));
        expect(emu.dataApi!.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(fs.existsSync(path.join(dir, "db", "PG_VERSION"))).to.equal(true);
    });

    it("env() lets SDK clients find the emulators through AWS_ENDPOINT_URL_* variables", async () => {
        const env = emu.env();
        expect(env).to.deep.equal({
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "S3RVER",
            AWS_SECRET_ACCESS_KEY: "S3RVER",
            AWS_ENDPOINT_URL_KINESIS: emu.kinesis!.endpoint,
            AWS_ENDPOINT_URL_S3: emu.s3!.endpoint,
            AWS_ENDPOINT_URL_RDS_DATA: emu.dataApi!.endpoint,
        });
        const saved = { ...process.env };
        Object.assign(process.env, env);
        try {
            const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
            const s3 = new S3Client({ forcePathStyle: true });
            const rds = new RDSDataClient({});
            expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).to.deep.equal(["events"]);
            expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).to.deep.equal(["lake"]);
            const res = await rds.send(new ExecuteStatementCommand({ resourceArn: emu.dataApi!.resourceArn, secretArn: emu.dataApi!.secretArn, sql: "SELECT 40 + 2" }));
            expect(res.records).to.deep.equal([[{ longValue: 42 }]]);
            for (const c of [kinesis, s3, rds]) c.destroy();
        } finally {
            for (const key of Object.keys(env)) {
                if (saved[key] === undefined) delete process.env[key];
                else process.env[key] = saved[key];
            }
        }
    });

    it("starts only the emulators asked for, and stop() is idempotent", async () => {
        const only = await startEmulators({ kinesis: false, dataApi: false });
        expect(only.kinesis).to.equal(undefined);
        expect(only.dataApi).to.equal(undefined);
        expect(Object.keys(only.env())).to.deep.equal(["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3"]);
        await only.stop();
        await only.stop();
    });

    it("fails when one emulator cannot start, after stopping the others", async () => {
        let err: Error | undefined;
        try {
            await startEmulators({ dataApi: false, kinesis: { port: 70000 } });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal("`port` must be an integer from 0 to 65535 (0 = pick a free port); received 70000.");
    });
});
