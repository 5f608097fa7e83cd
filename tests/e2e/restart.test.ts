/**
 * Stopping and starting the platform on the same data folder (what a second
 * `npm start` does): the stream, database, lake and checkpoints persist, so
 * nothing is processed or delivered twice and new events flow as before.
 */
import { postEvents } from "../helpers/ingest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { expect } from "chai";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { startPlatform, type Platform, type PlatformOptions } from "../../local/platform";
import { TrafficGenerator } from "../../local/traffic";

describe("local platform restart on the same data folder", function () {
    this.timeout(180000);
    let dir: string;
    let platform: Platform | undefined;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-restart-"));
    });
    after(async () => {
        await platform?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("resumes from the persisted checkpoints: nothing reprocessed, nothing re-delivered to the lake", async () => {
        const gen = new TrafficGenerator({ seed: 11, idPrefix: "restart" });
        const opts: PlatformOptions = { dir, ingestPort: 0, insightsPort: 0, etlIntervalMs: 0, lakeBufferIntervalMs: 1000, functionLogLevel: "ERROR" };
        const post = async (p: Platform, n: number) => {
            // The generator picks a source per event; a request is sent as one source, so they all get its source.
            const res = await postEvents(
                p.ingestUrl,
                p.dirs.root,
                Array.from({ length: n }, () => ({ ...gen.search(new Date()), source: "web-eu" })),
                "web-eu",
            );
            expect(res.status).to.equal(202);
        };

        platform = await startPlatform({ ...opts, reset: true });
        await post(platform, 200);
        await platform.settle();
        await platform.stop();

        platform = await startPlatform(opts);
        await post(platform, 100);
        await platform.settle();

        const rows = await platform.db.query<{ n: number }>("SELECT COALESCE(SUM(searches), 0)::int AS n FROM route_minute_stats");
        expect(Number(rows[0].n)).to.equal(300);
        expect(platform.delivery.stream.delivered.reduce((s, d) => s + d.events, 0)).to.equal(100);
        const s3 = platform.s3.client();
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: platform.lakeBucket, Prefix: "data/" }));
        const ids: string[] = [];
        for (const o of listed.Contents ?? []) {
            const body = await s3.send(new GetObjectCommand({ Bucket: platform.lakeBucket, Key: o.Key! }));
            const text = gunzipSync(Buffer.from(await body.Body!.transformToByteArray())).toString("utf8");
            for (const line of text.split("\n")) if (line !== "") ids.push((JSON.parse(line) as { eventId: string }).eventId);
        }
        expect(ids).to.have.length(300);
        expect(new Set(ids).size).to.equal(300);
    });
});
