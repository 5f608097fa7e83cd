/**
 * What the in-process e2e tests share: the platform started from code in a
 * temp folder on free ports (reset, no ETL timer, quiet functions), its
 * teardown, and reading the local S3 (lake, ponds).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { startPlatform, type Platform, type PlatformOptions } from "../../local/platform";

/** A fresh temp folder for one suite (`e2e-<name>-XXXXXX`); removed by stopTestPlatform. */
export function tempDir(name: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${name}-`));
}

/** What every in-process e2e platform sets: a wiped dir, free ports (0), the pond ETL run by the test only, function logs at ERROR. */
export const TEST_PLATFORM: Omit<PlatformOptions, "dir"> = { reset: true, ingestPort: 0, insightsPort: 0, etlIntervalMs: 0, functionLogLevel: "ERROR" };

/** startPlatform in `dir` with TEST_PLATFORM, then the suite's own options. */
export function startTestPlatform(dir: string, options: Omit<PlatformOptions, "dir"> = {}): Promise<Platform> {
    return startPlatform({ dir, ...TEST_PLATFORM, ...options });
}

/** The suite's teardown: stops the platform (when it started) and removes the folders (when they were made). */
export async function stopTestPlatform(platform: Platform | undefined, ...dirs: Array<string | undefined>): Promise<void> {
    try {
        await platform?.stop();
    } finally {
        for (const dir of dirs) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Every key under `prefix` (all pages). */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) keys.push(o.Key!);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
}

/** One object's bytes. */
export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
}
