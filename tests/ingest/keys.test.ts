/**
 * The ingestion key store (functions/ingest/keys.ts), its configuration, the
 * local keys of `npm start` (local/keys.ts) and `npm run ops -- keys`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { loadConfig } from "../../functions/ingest/config";
import { KeyStore, authenticateKey, fileBackend, formatKeyDocument, generateKey, hashKey, parseKeyDocument, secretBackend, type KeyDocument } from "../../functions/ingest/keys";
import { ensureLocalKeys, localKeyFor, LOCAL_KEY_STORE_FILE } from "../../local/keys";
import { keysMain } from "../../scripts/ops-keys";
import { main as opsMain } from "../../scripts/ops";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const doc = (keys: KeyDocument["keys"]): KeyDocument => ({ version: 1, keys });

/** A fake Secrets Manager holding one secret's string. */
function fakeSecrets(initial: string) {
    const state = { text: initial, reads: 0, writes: 0 };
    return {
        state,
        client: {
            async send(command: unknown): Promise<any> {
                if (command instanceof GetSecretValueCommand) {
                    state.reads++;
                    return { SecretString: state.text };
                }
                if (command instanceof PutSecretValueCommand) {
                    state.writes++;
                    state.text = command.input.SecretString!;
                    return {};
                }
                throw new Error("unexpected command");
            },
        },
    };
}

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-ingest-keys-AbCdEf";

describe("ingestion keys", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "keys-test-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe("document and authentication", () => {
        it("fails when the document breaks the format, listing every problem", () => {
            const text = JSON.stringify({
                version: 2,
                keys: [
                    { id: "a", source: "Web", sha256: "xyz", createdAt: "yesterday" },
                    { id: "b", source: "web", sha256: "a".repeat(64), createdAt: "2026-12-01T10:00:00Z" },
                    { id: "b", source: "web", sha256: "a".repeat(64), createdAt: "2026-12-01T10:00:00Z" },
                ],
            });
            expect(() => parseKeyDocument(text, "key file /k.json")).to.throw(
                [
                    "key file /k.json is not a valid key document:",
                    "  - version: version must be 1; received 2",
                    '  - keys.0.source: source must match /^[a-z0-9][a-z0-9._-]{0,63}$/; received "Web"',
                    "  - keys.0.sha256: sha256 must be 64 lower-case hex characters (the SHA-256 of the key)",
                    '  - keys.0.createdAt: createdAt must be an ISO-8601 timestamp with offset or Z; received "yesterday"',
                ].join("\n"),
            );
            const dupes = JSON.stringify({ version: 1, keys: JSON.parse(text).keys.slice(1) });
            expect(() => parseKeyDocument(dupes, "x")).to.throw('x is not a valid key document:\n  - keys.1.id: "b" appears more than once\n  - keys.1.sha256: the same key hash appears more than once');
            expect(() => parseKeyDocument("{", "x")).to.throw(/^x is not JSON: /);
        });

        it("stores only the SHA-256 of a key and tells active, expired and revoked keys apart", () => {
            const [a, b, c] = [generateKey(), generateKey(), generateKey()];
            expect(a).to.match(/^fsk_[A-Za-z0-9_-]{43}$/);
            expect(hashKey("abc")).to.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            const d = doc([
                { id: "k-a", source: "web", sha256: hashKey(a), createdAt: "2026-12-01T00:00:00Z", notAfter: "2026-12-01T11:00:00Z" },
                { id: "k-b", source: "web", sha256: hashKey(b), createdAt: "2026-12-01T00:00:00Z", notAfter: "2026-12-01T09:00:00Z" },
                { id: "k-c", source: "app", sha256: hashKey(c), createdAt: "2026-12-01T00:00:00Z", revokedAt: "2026-12-01T09:30:00Z" },
            ]);
            expect(JSON.stringify(d)).not.to.contain(a);
            const r = authenticateKey(d, a, T0);
            expect(r.ok && r.key.id).to.equal("k-a");
            expect(authenticateKey(d, b, T0)).to.deep.equal({ ok: false, reason: "expired", message: "the bearer key k-b expired at 2026-12-01T09:00:00Z (rotated); use its replacement" });
            expect(authenticateKey(d, c, T0)).to.deep.equal({ ok: false, reason: "revoked", message: "the bearer key k-c was revoked at 2026-12-01T09:30:00Z; ask for a new key" });
            expect(authenticateKey(d, generateKey(), T0)).to.deep.equal({ ok: false, reason: "unknown", message: "the bearer key is not valid (unknown key)" });
            // After the overlap the rotated key stops working.
            expect(authenticateKey(d, a, Date.parse("2026-12-01T11:00:00Z")).ok).to.equal(false);
        });
    });

    describe("KeyStore", () => {
        it("a key issued after start works on first use (one reload on a miss), and misses reload at most once per missReloadMs", async () => {
            const file = path.join(dir, "store.json");
            fs.writeFileSync(file, formatKeyDocument(doc([])));
            let now = T0;
            let reads = 0;
            const backend = fileBackend(file);
            const counting = { ...backend, read: async () => (reads++, backend.read()) };
            const store = new KeyStore({ backend: counting, refreshMs: 60000, missReloadMs: 5000, now: () => now });
            await store.start();
            try {
                expect(reads).to.equal(1);
                now += 6000;
                const key = generateKey();
                fs.writeFileSync(file, formatKeyDocument(doc([{ id: "k-new", source: "web", sha256: hashKey(key), createdAt: "2026-12-01T10:00:00Z" }])));
                const first = await store.authenticate(key);
                expect(first.ok && first.key.source).to.equal("web");
                expect(reads).to.equal(2);
                // Unknown keys right after: no new reload within 5 s.
                expect((await store.authenticate(generateKey())).ok).to.equal(false);
                expect((await store.authenticate(generateKey())).ok).to.equal(false);
                expect(reads).to.equal(2);
                now += 5000;
                expect((await store.authenticate(generateKey())).ok).to.equal(false);
                expect(reads).to.equal(3);
            } finally {
                store.stop();
            }
        });

        it("fails when a cached key is revoked or expires: the record is checked on every request, and a reload forgets every cached key", async () => {
            const file = path.join(dir, "store.json");
            const key = generateKey();
            const rotated = generateKey();
            const record = { id: "k-one", source: "web", sha256: hashKey(key), createdAt: "2026-12-01T09:00:00Z" };
            const other = { id: "k-two", source: "gds", sha256: hashKey(rotated), createdAt: "2026-12-01T09:00:00Z", notAfter: "2026-12-01T10:00:30Z" };
            fs.writeFileSync(file, formatKeyDocument(doc([record, other])));
            let now = T0;
            const store = new KeyStore({ backend: fileBackend(file), missReloadMs: 0, now: () => now });
            await store.start();
            try {
                // First use hashes and caches; the next uses answer from the cache with the same record.
                for (let i = 0; i < 3; i++) {
                    const a = store.authenticateSync(key);
                    expect(a.ok && a.key.source).to.equal("web");
                    const b = await store.authenticate(rotated);
                    expect(b.ok && b.key.source).to.equal("gds");
                }
                // The cached record still expires at its notAfter.
                now = Date.parse("2026-12-01T10:00:30Z");
                expect(await store.authenticate(rotated)).to.deep.equal({ ok: false, reason: "expired", message: "the bearer key k-two expired at 2026-12-01T10:00:30Z (rotated); use its replacement" });
                // Revoked in the document: the next reload drops the cached record.
                fs.writeFileSync(file, formatKeyDocument(doc([{ ...record, revokedAt: "2026-12-01T10:00:10Z" }])));
                expect(store.authenticateSync(key).ok).to.equal(true);
                await store.reload();
                expect(store.authenticateSync(key)).to.deep.equal({ ok: false, reason: "revoked", message: "the bearer key k-one was revoked at 2026-12-01T10:00:10Z; ask for a new key" });
                // Removed from the document: unknown after the reload, although it was cached before.
                fs.writeFileSync(file, formatKeyDocument(doc([])));
                await store.reload();
                expect(await store.authenticate(key)).to.deep.equal({ ok: false, reason: "unknown", message: "the bearer key is not valid (unknown key)" });
            } finally {
                store.stop();
            }
        });

        it("fails to start on an unreadable document, and keeps the last good one when a reload fails", async () => {
            const file = path.join(dir, "store.json");
            await expectRejects(new KeyStore({ backend: fileBackend(file) }).start(), `cannot read the key file ${file}: ENOENT`);
            const key = generateKey();
            fs.writeFileSync(file, formatKeyDocument(doc([{ id: "k-1", source: "web", sha256: hashKey(key), createdAt: "2026-12-01T10:00:00Z" }])));
            const errors: string[] = [];
            const store = new KeyStore({ backend: fileBackend(file), missReloadMs: 0, onReloadError: (e) => errors.push(e.message) });
            await store.start();
            store.stop();
            fs.writeFileSync(file, '{"version": 1, "keys": "oops"}');
            expect((await store.authenticate(generateKey())).ok).to.equal(false);
            expect(errors).to.deep.equal([`key file ${file} is not a valid key document:\n  - keys: keys must be an array; received "oops"`]);
            expect((await store.authenticate(key)).ok).to.equal(true);
        });

        it("reads the same document from a Secrets Manager secret", async () => {
            const key = generateKey();
            const sm = fakeSecrets(formatKeyDocument(doc([{ id: "k-1", source: "gds", sha256: hashKey(key), createdAt: "2026-12-01T10:00:00Z" }])));
            const store = new KeyStore({ backend: secretBackend(ARN, sm.client) });
            await store.start();
            store.stop();
            const r = await store.authenticate(key);
            expect(r.ok && r.key.source).to.equal("gds");
            expect(sm.state.reads).to.equal(1);
        });
    });

    describe("configuration", () => {
        const base = { STREAM_NAME: "s", AWS_REGION: "eu-west-1" };
        it("fails when no key store is configured: there is no open mode", () => {
            expect(() => loadConfig(base)).to.throw(
                "the ingestion service needs its key store: set INGEST_KEYS_SECRET_ARN (the Secrets Manager secret holding the key document, on AWS) or INGEST_KEYS_FILE (a file holding it, locally); there is no open mode (INGEST_AUTH=off exists only for the benchmark's bare comparison)",
            );
        });
        it("fails when both stores, a bad ARN or a bad INGEST_AUTH are given", () => {
            expect(() => loadConfig({ ...base, INGEST_KEYS_FILE: "/k", INGEST_KEYS_SECRET_ARN: ARN })).to.throw("set only one of INGEST_KEYS_SECRET_ARN and INGEST_KEYS_FILE; received both");
            expect(() => loadConfig({ ...base, INGEST_KEYS_SECRET_ARN: "prod-ingest-keys" })).to.throw(
                'INGEST_KEYS_SECRET_ARN must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); received "prod-ingest-keys"',
            );
            expect(() => loadConfig({ ...base, INGEST_AUTH: "no" })).to.throw('INGEST_AUTH must be "on" or "off"; received "no"');
            expect(() => loadConfig({ ...base, INGEST_AUTH: "off", INGEST_KEYS_FILE: "/k" })).to.throw("INGEST_AUTH=off cannot be combined with INGEST_KEYS_SECRET_ARN or INGEST_KEYS_FILE; unset one of them");
            expect(() => loadConfig({ ...base, INGEST_KEYS_FILE: "/k", BODY_READ_TIMEOUT_MS: "5" })).to.throw('BODY_READ_TIMEOUT_MS must be an integer from 100 to 120000; received "5"');
        });
        it("reads the key store, refresh period and abuse limits", () => {
            const c = loadConfig({ ...base, INGEST_KEYS_SECRET_ARN: ARN, INGEST_KEYS_REFRESH_SECONDS: "30" });
            expect([c.keys, c.keysRefreshMs, c.bodyReadTimeoutMs, c.maxReadingRequests, c.maxReadingPerSource, c.maxInflightRequests]).to.deep.equal([{ kind: "secret", secretArn: ARN }, 30000, 10000, 512, 64, 256]);
            expect(loadConfig({ ...base, INGEST_AUTH: "off" }).keys).to.equal("off");
        });
    });

    describe("local keys (npm start)", () => {
        it("issues one key per source, keeps them across restarts, replaces a revoked one, and writes both files with mode 0600", () => {
            const first = ensureLocalKeys(dir, ["web-eu", "app-ios"]);
            expect(first.issued).to.deep.equal(["web-eu", "app-ios"]);
            expect(JSON.parse(fs.readFileSync(first.keysFile, "utf8"))).to.deep.equal({ keys: first.keys });
            for (const f of [first.keysFile, first.storeFile]) expect(fs.statSync(f).mode & 0o777).to.equal(0o600);
            const store = parseKeyDocument(fs.readFileSync(first.storeFile, "utf8"), "store");
            expect(store.keys.map((k) => [k.source, k.sha256])).to.deep.equal(first.keys.map((k) => [k.source, hashKey(k.key)]));
            expect(fs.readFileSync(first.storeFile, "utf8")).not.to.contain(first.keys[0].key);
            const again = ensureLocalKeys(dir, ["web-eu", "app-ios"]);
            expect([again.keys, again.issued]).to.deep.equal([first.keys, []]);
            const revoked = { ...store, keys: store.keys.map((k) => (k.source === "app-ios" ? { ...k, revokedAt: "2026-01-01T00:00:00Z" } : k)) };
            fs.writeFileSync(first.storeFile, formatKeyDocument(revoked));
            const third = ensureLocalKeys(dir, ["web-eu", "app-ios"]);
            expect(third.issued).to.deep.equal(["app-ios"]);
            expect(localKeyFor(dir, "web-eu").key).to.equal(first.keys[0].key);
            expect(localKeyFor(dir, "app-ios").key).not.to.equal(first.keys[1].key);
            expect(() => localKeyFor(dir, "gds")).to.throw(`no ingestion key for source "gds" in ${first.keysFile}; sources with keys: web-eu, app-ios`);
        });
    });

    describe("npm run ops -- keys", () => {
        const run = async (argv: string[], secrets?: ReturnType<typeof fakeSecrets>, now = new Date(T0)) => {
            const out: string[] = [];
            const err: string[] = [];
            const code = await keysMain(argv, { out: (l) => out.push(l), err: (l) => err.push(l), now: () => now, secretsManager: secrets?.client });
            return { code, out, err };
        };

        it("issues, lists, rotates with an overlap and revokes keys in the local store; the printed key authenticates", async () => {
            const issued = await run(["issue", "--source", "web-eu", "--local", dir]);
            expect(issued.code).to.equal(0);
            const key = issued.out[issued.out.length - 1];
            expect(key).to.match(/^fsk_/);
            const storeFile = path.join(dir, LOCAL_KEY_STORE_FILE);
            const read = () => parseKeyDocument(fs.readFileSync(storeFile, "utf8"), "store");
            expect(fs.readFileSync(storeFile, "utf8")).not.to.contain(key);
            expect(authenticateKey(read(), key, T0).ok).to.equal(true);
            const firstId = read().keys[0].id;

            const rotated = await run(["rotate", "--source", "web-eu", "--overlap-hours", "2", "--local", dir]);
            expect(rotated.code).to.equal(0);
            expect(rotated.out[1]).to.equal(`the previous key(s) ${firstId} stay valid until 2026-12-01T12:00:00.000Z`);
            const newKey = rotated.out[rotated.out.length - 1];
            expect(authenticateKey(read(), key, T0 + 3600_000).ok).to.equal(true);
            expect(authenticateKey(read(), key, T0 + 2 * 3600_000).ok).to.equal(false);
            expect(authenticateKey(read(), newKey, T0 + 2 * 3600_000).ok).to.equal(true);

            const listed = await run(["list", "--local", dir]);
            expect(listed.out).to.deep.equal([`${firstId}  web-eu  active  created 2026-12-01T10:00:00.000Z  notAfter 2026-12-01T12:00:00.000Z`, `${read().keys[1].id}  web-eu  active  created 2026-12-01T10:00:00.000Z`]);
            const revoked = await run(["revoke", "--source", "web-eu", "--local", dir]);
            expect(revoked.code).to.equal(0);
            expect(read().keys.every((k) => k.revokedAt === "2026-12-01T10:00:00.000Z")).to.equal(true);
            expect(authenticateKey(read(), newKey, T0 + 1).ok).to.equal(false);
            const none = await run(["revoke", "--source", "web-eu", "--local", dir]);
            expect([none.code, none.err]).to.deep.equal([2, [`ops keys: source web-eu has no active key to revoke in key file ${storeFile}`]]);
        });

        it("writes the document to the Secrets Manager secret with --secret-arn", async () => {
            const sm = fakeSecrets(formatKeyDocument(doc([])));
            const res = await run(["issue", "--source", "gds", "--secret-arn", ARN], sm);
            expect(res.code).to.equal(0);
            expect(sm.state.writes).to.equal(1);
            const stored = parseKeyDocument(sm.state.text, "secret");
            expect(stored.keys.map((k) => [k.source, k.sha256])).to.deep.equal([["gds", hashKey(res.out[res.out.length - 1])]]);
        });

        it("prints help to stdout with exit 0, through npm run ops -- keys too", async () => {
            const res = await run(["--help"]);
            expect(res.code).to.equal(0);
            expect(res.out[0]).to.match(/^usage: npm run ops -- keys <command>/);
            const out: string[] = [];
            expect(await opsMain(["keys", "--help"], { out: (l) => out.push(l), err: () => undefined })).to.equal(0);
            expect(out[0]).to.match(/^usage: npm run ops -- keys <command>/);
        });

        const bad: [string, string[], string][] = [
            ["the command is unknown", ["mint", "--local", "/x"], 'ops keys: the command must be one of issue, list, rotate, revoke; received "mint"'],
            ["--source is missing", ["issue", "--local", "/x"], "ops keys: `keys issue` needs --source S"],
            ["the source is not a valid source", ["issue", "--source", "Web EU", "--local", "/x"], 'ops keys: `--source` must be lower-case letters, digits, ".", "_" or "-" (1 to 64, starting with a letter or digit); received "Web EU"'],
            ["no store is named", ["issue", "--source", "web"], "ops keys: say where the keys live: exactly one of --local DIR or --secret-arn ARN"],
            ["the overlap is out of range", ["rotate", "--source", "web", "--overlap-hours", "800", "--local", "/x"], 'ops keys: `--overlap-hours` must be a number of hours from 0 to 720; received "800"'],
            [
                "the ARN is not a secret ARN",
                ["list", "--secret-arn", "arn:aws:s3:::bucket"],
                'ops keys: `--secret-arn` must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); received "arn:aws:s3:::bucket"',
            ],
        ];
        for (const [name, argv, message] of bad) {
            it(`fails with exit 2 when ${name}`, async () => {
                const res = await run(argv);
                expect(res.code).to.equal(2);
                expect(res.err[0]).to.equal(message);
            });
        }
    });
});

async function expectRejects(p: Promise<unknown>, contains: string): Promise<void> {
    try {
        await p;
    } catch (err) {
        expect((err as Error).message).to.contain(contains);
        return;
    }
    throw new Error("expected a rejection");
}
