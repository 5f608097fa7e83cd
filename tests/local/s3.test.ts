import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { S3Emulator, s3ClientConfig, startS3 } from "../../local/emulators/s3";

describe("local/emulators/s3 (s3rver)", function () {
    this.timeout(60000);
    let s3: S3Emulator;
    let client: S3Client;

    before(async () => {
        s3 = await startS3({ buckets: ["lake-raw", "pond-ops"] });
        client = s3.client();
    });
    after(async () => {
        await s3?.stop();
    });

    it("serves on a free loopback port with the configured buckets", async () => {
        expect(s3.endpoint).to.equal(`http://127.0.0.1:${s3.port}`);
        const res = await client.send(new ListBucketsCommand({}));
        expect(res.Buckets!.map((b) => b.Name).sort()).to.deep.equal(["lake-raw", "pond-ops"]);
    });

    it("s3ClientConfig uses path-style addressing and s3rver's credentials", () => {
        expect(s3ClientConfig("http://127.0.0.1:9")).to.deep.equal({
            endpoint: "http://127.0.0.1:9",
            region: "us-east-1",
            forcePathStyle: true,
            credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        });
    });

    it("puts and gets an object with content type and metadata", async () => {
        await client.send(
            new PutObjectCommand({
                Bucket: "lake-raw",
                Key: "events/dt=2026-11-22/a.json",
                Body: '{"eventId":"e1"}\n',
                ContentType: "application/json",
                Metadata: { source: "test" },
            }),
        );
        const got = await client.send(new GetObjectCommand({ Bucket: "lake-raw", Key: "events/dt=2026-11-22/a.json" }));
        expect(await got.Body!.transformToString()).to.equal('{"eventId":"e1"}\n');
        expect(got.ContentType).to.equal("application/json");
        expect(got.Metadata).to.deep.equal({ source: "test" });
    });

    it("lists objects by prefix and delimiter with ListObjectsV2", async () => {
        for (const key of ["p/dt=1/h=00/x", "p/dt=1/h=01/y", "p/dt=2/h=00/z", "q/other"]) {
            await client.send(new PutObjectCommand({ Bucket: "pond-ops", Key: key, Body: key }));
        }
        const byPrefix = await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", Prefix: "p/dt=1/" }));
        expect(byPrefix.Contents!.map((o) => o.Key)).to.deep.equal(["p/dt=1/h=00/x", "p/dt=1/h=01/y"]);
        expect(byPrefix.KeyCount).to.equal(2);
        const folders = await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", Prefix: "p/", Delimiter: "/" }));
        expect(folders.CommonPrefixes!.map((p) => p.Prefix)).to.deep.equal(["p/dt=1/", "p/dt=2/"]);
        const paged = await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", MaxKeys: 3 }));
        expect(paged.IsTruncated).to.equal(true);
        const rest = await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", MaxKeys: 3, ContinuationToken: paged.NextContinuationToken }));
        expect([...paged.Contents!, ...rest.Contents!].map((o) => o.Key)).to.deep.equal(["p/dt=1/h=00/x", "p/dt=1/h=01/y", "p/dt=2/h=00/z", "q/other"]);
        expect(rest.IsTruncated).to.equal(false);
        const top = await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", Delimiter: "/" }));
        expect(top.CommonPrefixes!.map((p) => p.Prefix)).to.deep.equal(["p/", "q/"]);
        expect(top.Contents).to.equal(undefined);
        const hours = await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", Prefix: "p/dt=1/h", Delimiter: "/" }));
        expect(hours.CommonPrefixes!.map((p) => p.Prefix)).to.deep.equal(["p/dt=1/h=00/", "p/dt=1/h=01/"]);
    });

    it("completes a multipart upload through @aws-sdk/lib-storage", async () => {
        const partSize = 5 * 1024 * 1024;
        const body = Buffer.alloc(partSize * 2 + 1234);
        for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
        const upload = new Upload({ client, params: { Bucket: "lake-raw", Key: "big/object.bin", Body: body }, partSize, queueSize: 2 });
        const parts = new Set<number>();
        upload.on("httpUploadProgress", (p) => {
            if (p.part !== undefined) parts.add(p.part);
        });
        const res = await upload.done();
        expect(res.Key).to.equal("big/object.bin");
        expect([...parts].sort()).to.deep.equal([1, 2, 3]);
        // Finding: s3rver returns a plain MD5 ETag for multipart objects (AWS appends "-<parts>").
        expect(res.ETag).to.match(/^"[0-9a-f]{32}"$/);
        const head = await client.send(new HeadObjectCommand({ Bucket: "lake-raw", Key: "big/object.bin" }));
        expect(head.ContentLength).to.equal(body.length);
        const got = await client.send(new GetObjectCommand({ Bucket: "lake-raw", Key: "big/object.bin" }));
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).to.equal(true);
    });

    it("fails when a bucket name is invalid", async () => {
        let err: Error | undefined;
        try {
            await startS3({ buckets: ["Bad_Bucket"] });
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).to.equal('`buckets` entry "Bad_Bucket" is not a valid bucket name (3-63 of a-z 0-9 . -, starting and ending with a letter or digit).');
    });

    it("fails when a ListObjectsV2 continuation token belongs to another bucket", async () => {
        for (const key of ["a", "b"]) await client.send(new PutObjectCommand({ Bucket: "lake-raw", Key: `tok/${key}`, Body: key }));
        const first = await client.send(new ListObjectsV2Command({ Bucket: "lake-raw", Prefix: "tok/", MaxKeys: 1 }));
        expect(first.Contents!.map((o) => o.Key)).to.deep.equal(["tok/a"]);
        let err: Error | undefined;
        try {
            await client.send(new ListObjectsV2Command({ Bucket: "pond-ops", ContinuationToken: first.NextContinuationToken }));
        } catch (e) {
            err = e as Error;
        }
        expect(err?.name).to.equal("InvalidArgument");
        expect(err?.message).to.equal("The continuation token provided is incorrect");
    });

    it("fails with NoSuchKey for a missing object", async () => {
        let err: Error | undefined;
        try {
            await client.send(new GetObjectCommand({ Bucket: "lake-raw", Key: "missing" }));
        } catch (e) {
            err = e as Error;
        }
        expect(err?.name).to.equal("NoSuchKey");
    });

    it("keeps objects in a given directory across restarts and removes temporary ones on stop", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3-persist-"));
        try {
            const first = await startS3({ directory: dir, buckets: ["keep"] });
            await first.client().send(new PutObjectCommand({ Bucket: "keep", Key: "k", Body: "v" }));
            await first.stop();
            const second = await startS3({ directory: dir });
            const got = await second.client().send(new GetObjectCommand({ Bucket: "keep", Key: "k" }));
            expect(await got.Body!.transformToString()).to.equal("v");
            await second.stop();
            const temp = await startS3();
            expect(fs.existsSync(temp.directory)).to.equal(true);
            await temp.stop();
            expect(fs.existsSync(temp.directory)).to.equal(false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
