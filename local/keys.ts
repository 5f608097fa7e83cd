/**
 * Ingestion keys of the local platform.
 *
 * `npm start` calls `ensureLocalKeys(dir, SOURCES)`: one key per local source
 * (local/traffic.ts SOURCES), written to two files under the platform's data
 * folder (default `.local/`), both mode 0600:
 *
 * - `ingest-keys.json` — `{"keys": [{"source", "key"}]}`: the keys themselves,
 *   for the traffic generator, the demo, the tests and curl;
 * - `ingest-key-store.json` — the hashed key document the service reads
 *   (`INGEST_KEYS_FILE`; the same format as the AWS secret, functions/ingest/keys.ts).
 *
 * Keys survive restarts: a source keeps its key while the store still holds
 * it as active; otherwise (first start, `--reset`, revoked or expired by
 * `npm run ops -- keys ... --local DIR`) it gets a new one. Keys the ops command
 * issued stay in the store untouched.
 */
import * as fs from "fs";
import * as path from "path";
import { formatKeyDocument, generateKey, hashKey, keyState, newKeyId, parseKeyDocument, writeFileAtomic, type KeyDocument, type KeyRecord } from "../functions/ingest/keys";

/** The keys file: plain keys per source (what clients use). */
export const LOCAL_KEYS_FILE = "ingest-keys.json";
/** The hashed key document the local ingestion service reads. */
export const LOCAL_KEY_STORE_FILE = "ingest-key-store.json";

export interface LocalKey {
    readonly source: string;
    readonly key: string;
}

export interface LocalKeys {
    /** Path of `ingest-keys.json`. */
    readonly keysFile: string;
    /** Path of the hashed store (INGEST_KEYS_FILE). */
    readonly storeFile: string;
    readonly keys: readonly LocalKey[];
    /** Sources that got a new key this time. */
    readonly issued: readonly string[];
}

function readStore(file: string): KeyDocument {
    if (!fs.existsSync(file)) return { version: 1, keys: [] };
    return parseKeyDocument(fs.readFileSync(file, "utf8"), `key store ${file}`);
}

function readKeysFileLoose(file: string): LocalKey[] {
    try {
        const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { keys?: unknown };
        if (!Array.isArray(doc.keys)) return [];
        return doc.keys.filter((k): k is LocalKey => typeof k?.source === "string" && typeof k?.key === "string");
    } catch {
        return [];
    }
}

/** Makes sure every source has an active key; writes both files (0600) and returns the keys. */
export function ensureLocalKeys(dir: string, sources: readonly string[], now: () => number = Date.now): LocalKeys {
    const root = path.resolve(dir);
    const keysFile = path.join(root, LOCAL_KEYS_FILE);
    const storeFile = path.join(root, LOCAL_KEY_STORE_FILE);
    const store = readStore(storeFile);
    const known = readKeysFileLoose(keysFile);
    const records: KeyRecord[] = [...store.keys];
    const keys: LocalKey[] = [];
    const issued: string[] = [];
    const t = now();
    for (const source of sources) {
        const reusable = known.find((k) => {
            if (k.source !== source) return false;
            const record = records.find((r) => r.sha256 === hashKey(k.key));
            return record !== undefined && record.source === source && keyState(record, t) === "active";
        });
        if (reusable) {
            keys.push({ source, key: reusable.key });
            continue;
        }
        const key = generateKey();
        records.push({ id: newKeyId(), source, sha256: hashKey(key), createdAt: new Date(t).toISOString() });
        keys.push({ source, key });
        issued.push(source);
    }
    const doc: KeyDocument = { version: 1, keys: records };
    parseKeyDocument(formatKeyDocument(doc), `key store ${storeFile}`);
    writeFileAtomic(storeFile, formatKeyDocument(doc));
    writeFileAtomic(keysFile, JSON.stringify({ keys }, null, 2) + "\n");
    return { keysFile, storeFile, keys, issued };
}

/** The keys of `ingest-keys.json` under `dir`; a clear error when the file is missing or malformed. */
export function readLocalKeys(dir: string): LocalKey[] {
    return readLocalKeysFile(path.join(path.resolve(dir), LOCAL_KEYS_FILE));
}

/** The keys of an `ingest-keys.json` file. */
export function readLocalKeysFile(file: string): LocalKey[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`cannot read the local ingestion keys ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); \`npm start\` writes it`, { cause: err });
    }
    let doc: { keys?: unknown };
    try {
        doc = JSON.parse(text);
    } catch {
        throw new Error(`${file} is not JSON; expected {"keys": [{"source", "key"}]}`);
    }
    if (!Array.isArray(doc.keys) || !doc.keys.every((k) => typeof k?.source === "string" && typeof k?.key === "string")) {
        throw new Error(`${file} must hold {"keys": [{"source": "...", "key": "..."}]}`);
    }
    return doc.keys as LocalKey[];
}

/** The key of `source` (default: the first local source) from `ingest-keys.json` under `dir`. */
export function localKeyFor(dir: string, source?: string): LocalKey {
    const keys = readLocalKeys(dir);
    const found = source === undefined ? keys[0] : keys.find((k) => k.source === source);
    if (found === undefined) {
        throw new Error(`no ingestion key for source ${JSON.stringify(source)} in ${path.join(path.resolve(dir), LOCAL_KEYS_FILE)}; sources with keys: ${keys.map((k) => k.source).join(", ") || "(none)"}`);
    }
    return found;
}
