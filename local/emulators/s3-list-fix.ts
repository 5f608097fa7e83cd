/**
 * Corrected object listing for s3rver 3.7.1's filesystem store.
 *
 * s3rver prunes directories below a common prefix while walking, so a
 * delimiter listing only reports a common prefix when an object sits exactly
 * one folder below it: with keys `p/dt=1/h=00/x`, listing `Prefix: "p/",
 * Delimiter: "/"` returned nothing instead of `p/dt=1/`. It also returned keys
 * in directory order rather than sorted. Lake and pond code lists
 * Hive-style partitions with a delimiter, so this replaces `listObjects` on the
 * store instance with one that walks every folder intersecting the prefix,
 * sorts keys and groups them as S3 does.
 *
 * s3rver also encrypts ListObjectsV2 continuation tokens with DES, which
 * Node's OpenSSL 3 (Node 20 and 22) refuses ("unsupported"), so every truncated V2 listing
 * failed with InternalError. `patchListObjectsV2Tokens` issues and accepts
 * plain base64url tokens instead.
 */
import { AsyncLocalStorage } from "async_hooks";
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Object: new (bucket: string, key: string, content: null, metadata: Record<string, unknown>) => unknown = require("s3rver/lib/models/object");

const OBJECT_SUFFIX = "._S3rver_object";

interface FilesystemStoreLike {
    getBucketPath(bucket: string): string;
    getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
    listObjects: (bucket: string, options: ListOptions) => Promise<ListResult>;
}

interface ListOptions {
    delimiter?: string;
    startAfter?: string;
    prefix?: string;
    maxKeys?: number;
}

interface ListResult {
    objects: unknown[];
    commonPrefixes: string[];
    isTruncated: boolean;
}

function* walk(dir: string, rel: string, prefix: string): Generator<string> {
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return;
    }
    for (const name of names) {
        const full = path.join(dir, name);
        if (fs.statSync(full).isDirectory()) {
            const relDir = `${rel}${name}/`;
            // Descend only into folders that can hold keys starting with `prefix`.
            if (relDir.startsWith(prefix) || prefix.startsWith(relDir)) yield* walk(full, relDir, prefix);
        } else if (name.endsWith(OBJECT_SUFFIX)) {
            yield rel + name.slice(0, -OBJECT_SUFFIX.length);
        }
    }
}

/** Keys in S3 order, grouped by delimiter, at most `maxKeys` keys per page. */
export function pageKeys(allKeys: readonly string[], options: ListOptions): { keys: string[]; commonPrefixes: string[]; isTruncated: boolean } {
    const { delimiter = "", startAfter = "", prefix = "", maxKeys = Infinity } = options;
    const sorted = allKeys.filter((k) => k.startsWith(prefix) && k > startAfter).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const keys: string[] = [];
    const commonPrefixes: string[] = [];
    let isTruncated = false;
    for (const key of sorted) {
        if (delimiter) {
            const idx = key.slice(prefix.length).indexOf(delimiter);
            if (idx !== -1) {
                const common = key.slice(0, prefix.length + idx + delimiter.length);
                if (commonPrefixes[commonPrefixes.length - 1] !== common) commonPrefixes.push(common);
                continue;
            }
        }
        if (keys.length >= maxKeys) {
            isTruncated = true;
            break;
        }
        keys.push(key);
    }
    return { keys, commonPrefixes, isTruncated };
}

interface ListV2State {
    truncated: boolean;
}
const listV2 = new AsyncLocalStorage<ListV2State>();

/** Replaces `store.listObjects` with the corrected listing. */
export function patchListObjects(store: FilesystemStoreLike): void {
    store.listObjects = async (bucket, options) => {
        const result = await list(store, bucket, options);
        const v2 = listV2.getStore();
        if (v2 && result.isTruncated) {
            // Hide truncation from s3rver's controller (its token generation throws); re-added below.
            v2.truncated = true;
            return { ...result, isTruncated: false };
        }
        return result;
    };
}

interface KoaContextLike {
    query: Record<string, string | string[] | undefined>;
    params: { bucket: string };
    body: unknown;
}

function encodeToken(bucket: string, key: string): string {
    return Buffer.from(JSON.stringify({ b: bucket, k: key }), "utf8").toString("base64url");
}

function decodeToken(token: string): { b: string; k: string } | undefined {
    try {
        const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { b?: unknown; k?: unknown };
        return typeof v.b === "string" && typeof v.k === "string" ? { b: v.b, k: v.k } : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Wraps s3rver's bucket controller so ListObjectsV2 pagination works on
 * OpenSSL 3. Must be called before any request is served (it patches the
 * shared controller module, once per process).
 */
export function patchListObjectsV2Tokens(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ctrl = require("s3rver/lib/controllers/bucket") as { getBucket: (ctx: KoaContextLike) => Promise<void>; __listV2Patched?: boolean };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3Error = require("s3rver/lib/models/error") as new (code: string, message: string, detail?: Record<string, unknown>) => Error;
    if (ctrl.__listV2Patched) return;
    ctrl.__listV2Patched = true;
    const original = ctrl.getBucket;
    ctrl.getBucket = async (ctx) => {
        if (ctx.query["list-type"] !== "2") return original(ctx);
        const token = ctx.query["continuation-token"];
        if (typeof token === "string" && token !== "") {
            const decoded = decodeToken(token);
            if (!decoded || decoded.b !== ctx.params.bucket) {
                throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
            }
            const query = { ...ctx.query };
            delete query["continuation-token"];
            query["start-after"] = decoded.k;
            ctx.query = query;
        }
        const state: ListV2State = { truncated: false };
        await listV2.run(state, () => original(ctx));
        const result = (ctx.body as { ListBucketResult?: Record<string, unknown> }).ListBucketResult;
        if (!result) return;
        if (typeof token === "string" && token !== "") {
            result.StartAfter = undefined;
            result.ContinuationToken = token;
        }
        if (state.truncated) {
            const contents = result.Contents as Array<{ Key: string }>;
            result.IsTruncated = true;
            result.NextContinuationToken = encodeToken(ctx.params.bucket, contents[contents.length - 1].Key);
        }
    };
}

async function list(store: FilesystemStoreLike, bucket: string, options: ListOptions): Promise<ListResult> {
    const bucketPath = store.getBucketPath(bucket);
    const all = [...walk(bucketPath, "", options.prefix ?? "")];
    const page = pageKeys(all, options);
    const objects: unknown[] = [];
    for (const key of page.keys) {
        try {
            objects.push(new S3Object(bucket, key, null, await store.getMetadata(bucket, key)));
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
    }
    return { objects, commonPrefixes: page.commonPrefixes, isTruncated: page.isTruncated };
}
