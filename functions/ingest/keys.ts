/**
 * Per-source ingestion keys: the document format, hashing, authentication and
 * the store the service reloads (one code path, two backends).
 *
 * Document (the contract with the stack's key-store secret and the ops command):
 *
 *   {"version": 1, "keys": [{"id", "source", "sha256", "createdAt", "notAfter"?, "revokedAt"?}]}
 *
 * - `sha256` is the lower-case hex SHA-256 of the key; the key itself is never
 *   stored (the ops command prints it once).
 * - A key is valid while it is not revoked (`revokedAt` unset or in the future)
 *   and not expired (`notAfter` unset or in the future). Rotation = a new key
 *   plus `notAfter` = now + overlap on the old one; revocation = `revokedAt`.
 * - Backends: AWS Secrets Manager (`INGEST_KEYS_SECRET_ARN`, the SecretString
 *   holds the document) or a local file (`INGEST_KEYS_FILE`). Only where the
 *   text comes from differs.
 *
 * The presented key is hashed and compared with every stored hash in constant
 * time (crypto.timingSafeEqual, no early exit), so response timing says nothing
 * about which hash matched.
 *
 * No `@pulumi/*` imports: this runs in the ECS task and in the ops CLI.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import { arnRegion } from "../shared/arn";

export const KEY_DOCUMENT_VERSION = 1;
/** Sources a key may carry: lower-case, digits, `.`, `_`, `-` (they become lake partition values). */
export const SOURCE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Prefix of every issued key (lets secret scanners recognise a leaked one). */
export const KEY_PREFIX = "fsk_";
/** Shape of an issued key: the prefix and 43 base64url characters (32 random bytes). */
export const KEY_PATTERN = /^fsk_[A-Za-z0-9_-]{43}$/;

const iso = (what: string) => z.iso.datetime({ offset: true, error: (iss) => `${what} must be an ISO-8601 timestamp with offset or Z; received ${JSON.stringify(iss.input)}` });

const keyRecordSchema = z.object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: (iss) => `id must be 1 to 64 of A-Z a-z 0-9 _ -; received ${JSON.stringify(iss.input)}` }),
    source: z.string().regex(SOURCE_PATTERN, { error: (iss) => `source must match ${SOURCE_PATTERN}; received ${JSON.stringify(iss.input)}` }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: () => "sha256 must be 64 lower-case hex characters (the SHA-256 of the key)" }),
    createdAt: iso("createdAt"),
    notAfter: iso("notAfter").optional(),
    revokedAt: iso("revokedAt").optional(),
});

const documentSchema = z.object({
    version: z.literal(KEY_DOCUMENT_VERSION, { error: (iss) => `version must be ${KEY_DOCUMENT_VERSION}; received ${JSON.stringify(iss.input)}` }),
    keys: z.array(keyRecordSchema, { error: (iss) => `keys must be an array; received ${JSON.stringify(iss.input) ?? "nothing"}` }),
});

export type KeyRecord = z.infer<typeof keyRecordSchema>;
export interface KeyDocument {
    readonly version: typeof KEY_DOCUMENT_VERSION;
    readonly keys: readonly KeyRecord[];
}

/** The document could not be read or is not a valid key document. */
export class KeyStoreError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KeyStoreError";
    }
}

/** Parses and checks a key document; every problem is listed (`where` names the file or secret). */
export function parseKeyDocument(text: string, where: string): KeyDocument {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new KeyStoreError(`${where} is not JSON: ${(err as Error).message}`);
    }
    const parsed = documentSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") + ": " : ""}${i.message}`);
        throw new KeyStoreError(`${where} is not a valid key document:\n  - ${problems.join("\n  - ")}`);
    }
    const doc = parsed.data;
    const problems: string[] = [];
    const ids = new Set<string>();
    const hashes = new Set<string>();
    doc.keys.forEach((k, i) => {
        if (ids.has(k.id)) problems.push(`keys.${i}.id: ${JSON.stringify(k.id)} appears more than once`);
        if (hashes.has(k.sha256)) problems.push(`keys.${i}.sha256: the same key hash appears more than once`);
        ids.add(k.id);
        hashes.add(k.sha256);
    });
    if (problems.length > 0) throw new KeyStoreError(`${where} is not a valid key document:\n  - ${problems.join("\n  - ")}`);
    return doc;
}

/** Lower-case hex SHA-256 of a key: what the document stores. */
export function hashKey(key: string): string {
    return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random key (32 bytes from the CSPRNG). */
export function generateKey(): string {
    return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** A new key id: `k-` and 12 random hex characters. */
export function newKeyId(): string {
    return `k-${randomBytes(6).toString("hex")}`;
}

export type KeyState = "active" | "expired" | "revoked";

/** A key's state at `now` (revocation wins over expiry). */
export function keyState(k: KeyRecord, now: number): KeyState {
    if (k.revokedAt !== undefined && Date.parse(k.revokedAt) <= now) return "revoked";
    if (k.notAfter !== undefined && Date.parse(k.notAfter) <= now) return "expired";
    return "active";
}

export type Authentication = { readonly ok: true; readonly key: KeyRecord } | { readonly ok: false; readonly reason: "unknown" | "expired" | "revoked"; readonly message: string };

/**
 * Finds the record of a presented key (pure). Every stored hash is compared in
 * constant time, with no early exit.
 */
export function authenticateKey(doc: KeyDocument, presented: string, now: number): Authentication {
    const found = findKey(doc, presented);
    if (found === undefined) return UNKNOWN_KEY;
    return answerFor(found, now);
}

const UNKNOWN_KEY: Authentication = { ok: false, reason: "unknown", message: "the bearer key is not valid (unknown key)" };

/** The record of a presented key: every stored hash compared in constant time, with no early exit. */
function findKey(doc: KeyDocument, presented: string): KeyRecord | undefined {
    const digest = Buffer.from(hashKey(presented), "hex");
    let found: KeyRecord | undefined;
    for (const k of doc.keys) {
        if (timingSafeEqual(digest, Buffer.from(k.sha256, "hex")) && found === undefined) found = k;
    }
    return found;
}

/** A found key's answer at `now`: revoked, expired or accepted. */
function answerFor(found: KeyRecord, now: number): Authentication {
    const state = keyState(found, now);
    if (state === "revoked") {
        return { ok: false, reason: "revoked", message: `the bearer key ${found.id} was revoked at ${found.revokedAt}; ask for a new key` };
    }
    if (state === "expired") {
        return { ok: false, reason: "expired", message: `the bearer key ${found.id} expired at ${found.notAfter} (rotated); use its replacement` };
    }
    return { ok: true, key: found };
}

/** Where the document's text lives. */
export interface KeyDocumentBackend {
    /** Human-readable location, used in messages. */
    readonly where: string;
    read(): Promise<string>;
    /** Replaces the document (ops command only; the service never writes). */
    write(text: string): Promise<void>;
}

/** A local file; writes are atomic (temp file + rename) with mode 0600. */
export function fileBackend(file: string): KeyDocumentBackend {
    const abs = path.resolve(file);
    return {
        where: `key file ${abs}`,
        async read() {
            try {
                return await fs.promises.readFile(abs, "utf8");
            } catch (err) {
                throw new KeyStoreError(`cannot read the key file ${abs}: ${(err as Error).message}`);
            }
        },
        async write(text) {
            writeFileAtomic(abs, text);
        },
    };
}

/** Writes `text` to `file` through a temp file and a rename, readable only by the owner (0600). */
export function writeFileAtomic(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
}

/** A Secrets Manager secret whose SecretString is the document. */
export function secretBackend(secretArn: string, client: Pick<SecretsManagerClient, "send">): KeyDocumentBackend {
    return {
        where: `key secret ${secretArn}`,
        async read() {
            let res;
            try {
                res = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
            } catch (err) {
                throw new KeyStoreError(`cannot read the key secret ${secretArn}: ${(err as Error).name}: ${(err as Error).message}`);
            }
            if (typeof res.SecretString !== "string") throw new KeyStoreError(`the key secret ${secretArn} has no SecretString (binary secrets are not supported)`);
            return res.SecretString;
        },
        async write(text) {
            await client.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: text }));
        },
    };
}

/** Secrets Manager ARN shape (checked before any call). */
export const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** Serialises a document the way the service and the ops command write it. */
export function formatKeyDocument(doc: KeyDocument): string {
    return JSON.stringify({ version: KEY_DOCUMENT_VERSION, keys: doc.keys }, null, 2) + "\n";
}

export interface KeyStoreOptions {
    readonly backend: KeyDocumentBackend;
    /** Periodic reload. @default 60000 */
    readonly refreshMs?: number;
    /** Least time between two reloads triggered by unknown keys. @default 5000 */
    readonly missReloadMs?: number;
    readonly now?: () => number;
    /** Called when a reload fails (the last good document stays in use). */
    readonly onReloadError?: (err: Error) => void;
}

/**
 * The document in memory, reloaded every `refreshMs`, and at once (at most
 * every `missReloadMs`) when a presented key is unknown, so a newly issued key
 * works within seconds. A failed reload keeps the last good document.
 */
export class KeyStore {
    private doc: KeyDocument | undefined;
    /**
     * Presented keys found in the current document, with their record: a key a
     * sender presents on every request is hashed and compared once per document,
     * not per request (the SHA-256 and the constant-time comparisons were a
     * fixed cost of every 1-event request). Emptied whenever the document is
     * replaced, bounded by MAX_CACHED_KEYS; unknown keys are never cached (their
     * reload logic stays as it is). Revocation and expiry are still checked on
     * every request against the record.
     */
    private found = new Map<string, KeyRecord>();
    private loading: Promise<void> | undefined;
    private lastLoadStarted = Number.NEGATIVE_INFINITY;
    private timer: NodeJS.Timeout | undefined;
    readonly refreshMs: number;
    readonly missReloadMs: number;
    private readonly now: () => number;

    constructor(private readonly opts: KeyStoreOptions) {
        this.refreshMs = opts.refreshMs ?? 60000;
        this.missReloadMs = opts.missReloadMs ?? 5000;
        if (!Number.isInteger(this.refreshMs) || this.refreshMs < 100) throw new RangeError(`\`refreshMs\` must be an integer >= 100; received ${String(opts.refreshMs)}`);
        if (!Number.isInteger(this.missReloadMs) || this.missReloadMs < 0) throw new RangeError(`\`missReloadMs\` must be an integer >= 0; received ${String(opts.missReloadMs)}`);
        this.now = opts.now ?? Date.now;
    }

    get where(): string {
        return this.opts.backend.where;
    }

    /** Keys in the current document. */
    get size(): number {
        return this.doc?.keys.length ?? 0;
    }

    /** Loads the document (throws KeyStoreError when it cannot be read or is invalid) and starts the periodic reload. */
    async start(): Promise<void> {
        await this.reload();
        this.timer = setInterval(() => {
            this.reload().catch((err) => this.opts.onReloadError?.(err as Error));
        }, this.refreshMs);
        this.timer.unref();
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
    }

    /** Reads and parses the document; on failure the previous one stays in use and the error is thrown. */
    reload(): Promise<void> {
        this.loading ??= (async () => {
            this.lastLoadStarted = this.now();
            try {
                const text = await this.opts.backend.read();
                this.doc = parseKeyDocument(text, this.opts.backend.where);
                this.found = new Map();
            } finally {
                this.loading = undefined;
            }
        })();
        return this.loading;
    }

    /** Authenticates a presented key; an unknown key triggers one reload (rate-limited) before the answer. */
    async authenticate(presented: string): Promise<Authentication> {
        if (this.doc === undefined) throw new KeyStoreError(`the key store (${this.where}) is not loaded; call start() first`);
        const first = this.authenticateSync(presented);
        if (first.ok || first.reason !== "unknown") return first;
        if (this.loading === undefined && this.now() - this.lastLoadStarted < this.missReloadMs) return first;
        try {
            await this.reload();
        } catch (err) {
            this.opts.onReloadError?.(err as Error);
            return first;
        }
        return this.authenticateSync(presented);
    }

    /**
     * The answer from the document in memory, without a reload (what
     * `authenticate` answers first): a cached key costs one map lookup.
     */
    authenticateSync(presented: string): Authentication {
        const doc = this.doc;
        if (doc === undefined) throw new KeyStoreError(`the key store (${this.where}) is not loaded; call start() first`);
        const now = this.now();
        let record = this.found.get(presented);
        if (record === undefined) {
            record = findKey(doc, presented);
            if (record === undefined) return UNKNOWN_KEY;
            if (this.found.size >= MAX_CACHED_KEYS) this.found = new Map();
            this.found.set(presented, record);
        }
        return answerFor(record, now);
    }
}

/** Most presented keys a KeyStore remembers per document (then it starts over). */
export const MAX_CACHED_KEYS = 10000;

/** Where the service reads its keys from, as configured (see config.ts). */
export type KeyStoreConfig = { readonly kind: "secret"; readonly secretArn: string } | { readonly kind: "file"; readonly file: string };

/** The backend for a configuration (the secret backend gets a Secrets Manager client for its region). */
export function backendFor(config: KeyStoreConfig, opts: { region?: string; client?: Pick<SecretsManagerClient, "send"> } = {}): KeyDocumentBackend {
    if (config.kind === "file") return fileBackend(config.file);
    const region = arnRegion(config.secretArn);
    return secretBackend(config.secretArn, opts.client ?? new SecretsManagerClient({ region: region ?? opts.region }));
}
