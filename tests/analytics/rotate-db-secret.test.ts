import { expect } from "chai";
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "crypto";
import { DataApi } from "../../functions/shared/db/dataapi";
import { RotationDeps, RotationError, SecretStore, SecretVersion, alterPasswordSql, rotateStep } from "../../functions/rotate-db-secret/rotation";
import { startTestDb, TestDb } from "./helpers";

/** Secrets Manager's version and staging-label semantics, in memory. */
class MemoryStore implements SecretStore {
    readonly versions = new Map<string, { value: string; stages: string[] }>();
    rotationEnabled = true;
    /** Version ids Secrets Manager has labelled AWSPENDING before createSecret stored a value (RotateSecret does this). */
    readonly announced = new Set<string>();
    constructor(initial: string) {
        this.versions.set("v0", { value: initial, stages: ["AWSCURRENT"] });
    }
    async describe() {
        const versions: Record<string, string[]> = Object.fromEntries([...this.versions].map(([k, v]) => [k, [...v.stages]]));
        for (const id of this.announced) versions[id] ??= ["AWSPENDING"];
        return { rotationEnabled: this.rotationEnabled, versions };
    }
    async get(_id: string, select: { versionId?: string; stage?: string }): Promise<SecretVersion | undefined> {
        for (const [versionId, v] of this.versions) {
            if (select.versionId !== undefined && versionId !== select.versionId) continue;
            if (select.stage !== undefined && !v.stages.includes(select.stage)) continue;
            return { versionId, value: v.value };
        }
        return undefined;
    }
    async put(_id: string, versionId: string, value: string, stages: string[]) {
        for (const v of this.versions.values()) v.stages = v.stages.filter((s) => !stages.includes(s));
        this.versions.set(versionId, { value, stages });
    }
    async moveCurrent(_id: string, to: string, from: string | undefined) {
        if (from !== undefined) {
            const f = this.versions.get(from)!;
            f.stages = [...f.stages.filter((s) => s !== "AWSCURRENT"), "AWSPREVIOUS"];
        }
        for (const [k, v] of this.versions) if (k !== from) v.stages = v.stages.filter((s) => s !== "AWSPREVIOUS");
        const t = this.versions.get(to)!;
        t.stages = [...t.stages.filter((s) => s !== "AWSPENDING"), "AWSCURRENT"];
    }
    async randomPassword() {
        return randomBytes(30).toString("base64").replace(/[+/=]/g, "x");
    }
    current(): Record<string, string> {
        return JSON.parse([...this.versions.values()].find((v) => v.stages.includes("AWSCURRENT"))!.value);
    }
}

/** Checks a password against PostgreSQL's SCRAM-SHA-256 verifier (what a login does). */
function scramMatches(verifier: string, password: string): boolean {
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    if (!m) return false;
    const salted = pbkdf2Sync(password, Buffer.from(m[2], "base64"), Number(m[1]), 32, "sha256");
    const storedKey = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64");
    const serverKey = createHmac("sha256", salted).update("Server Key").digest("base64");
    return storedKey === m[3] && serverKey === m[4];
}

describe("rotate-db-secret: the four-step rotation of a function's database user", function () {
    this.timeout(120_000);
    let t: TestDb;
    const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:test-db-user-flightstream_processor-AbCdEf";
    const initial = JSON.stringify({ engine: "postgres", username: "flightstream_processor", dbClusterIdentifier: "test-db", dbname: "analytics" });
    before(async () => {
        t = await startTestDb(true);
    });
    after(async () => {
        await t.stop();
    });

    /** Deps over the real (local) database; "logging in" checks the AWSCURRENT password against the role's verifier. */
    function deps(store: MemoryStore, db: DataApi = t.db): RotationDeps & { logins: string[] } {
        const logins: string[] = [];
        return {
            logins,
            store,
            master: { execute: (sql) => db.execute(sql), query: (sql, params) => db.query(sql, params) },
            currentUserWith: async (secretArn) => {
                logins.push(secretArn);
                const cur = store.current();
                const [row] = await db.query<{ v: string }>("SELECT rolpassword AS v FROM pg_authid WHERE rolname = :n", { n: cur.username });
                if (!row || !scramMatches(row.v, cur.password)) throw new Error(`password authentication failed for user "${cur.username}"`);
                return cur.username;
            },
        };
    }

    it("sets a password the database accepts, makes it current and logs in with it", async () => {
        const store = new MemoryStore(initial);
        const d = deps(store);
        store.announced.add("v1");
        for (const Step of ["createSecret", "setSecret", "testSecret", "finishSecret"]) await rotateStep({ SecretId: SECRET, ClientRequestToken: "v1", Step }, d);
        const cur = store.current();
        expect(Object.keys(cur).sort()).to.deep.equal(["dbClusterIdentifier", "dbname", "engine", "password", "username"]);
        expect(cur.username).to.equal("flightstream_processor");
        expect(cur.password).to.have.length.greaterThan(30);
        const [row] = await t.db.query<{ v: string }>("SELECT rolpassword AS v FROM pg_authid WHERE rolname = 'flightstream_processor'");
        expect(scramMatches(row.v, cur.password)).to.equal(true);
        expect(scramMatches(row.v, "not-the-password-at-all")).to.equal(false);
        expect(d.logins).to.deep.equal([SECRET]);
        expect(store.versions.get("v0")!.stages).to.deep.equal(["AWSPREVIOUS"]);
        expect(store.versions.get("v1")!.stages).to.deep.equal(["AWSCURRENT"]);
    });

    it("rotates again to a new password; the old one no longer logs in; every step is idempotent", async () => {
        const store = new MemoryStore(JSON.stringify({ ...JSON.parse(initial), password: "an-old-password-0123456789" }));
        await t.db.execute(alterPasswordSql("flightstream_processor", "an-old-password-0123456789"));
        store.announced.add("v2");
        const d = deps(store);
        for (const Step of ["createSecret", "createSecret", "setSecret", "setSecret", "testSecret", "finishSecret", "finishSecret"]) {
            await rotateStep({ SecretId: SECRET, ClientRequestToken: "v2", Step }, d);
        }
        const [row] = await t.db.query<{ v: string }>("SELECT rolpassword AS v FROM pg_authid WHERE rolname = 'flightstream_processor'");
        expect(scramMatches(row.v, store.current().password)).to.equal(true);
        expect(scramMatches(row.v, "an-old-password-0123456789")).to.equal(false);
        expect(store.current().password).to.not.equal("an-old-password-0123456789");
        expect(d.logins).to.deep.equal([SECRET]);
    });

    it("fails when rotation is disabled, the token is unknown, or the step is not one of the four", async () => {
        const store = new MemoryStore(initial);
        const d = deps(store);
        await expectError(rotateStep({ SecretId: SECRET, ClientRequestToken: "nope", Step: "createSecret" }, d), `Secret ${SECRET} has no version nope to rotate to.`);
        await expectError(rotateStep({ SecretId: SECRET, ClientRequestToken: "v0", Step: "dropSecret" }, d), 'Unknown rotation step "dropSecret"; expected one of createSecret, setSecret, testSecret, finishSecret.');
        store.rotationEnabled = false;
        await expectError(rotateStep({ SecretId: SECRET, ClientRequestToken: "v0", Step: "createSecret" }, d), `Secret ${SECRET} does not have rotation enabled.`);
    });

    it("fails testSecret when the role does not exist (the migration has not run)", async () => {
        const store = new MemoryStore(JSON.stringify({ username: "flightstream_ghost" }));
        store.versions.set("v1", { value: JSON.stringify({ username: "flightstream_ghost", password: "p".repeat(20) }), stages: ["AWSPENDING"] });
        await expectError(rotateStep({ SecretId: SECRET, ClientRequestToken: "v1", Step: "testSecret" }, deps(store)), `Role flightstream_ghost of secret ${SECRET} does not exist; the migration that creates it has not run.`);
    });

    it("fails when the secret's username is not a role name, and quotes the password literal", async () => {
        const store = new MemoryStore(JSON.stringify({ username: 'x"; DROP TABLE alerts; --' }));
        store.versions.set("v1", { value: JSON.stringify({ username: 'x"; DROP TABLE alerts; --', password: "p".repeat(20) }), stages: ["AWSPENDING"] });
        await expectError(rotateStep({ SecretId: SECRET, ClientRequestToken: "v1", Step: "setSecret" }, deps(store)), `Secret ${SECRET}: \`username\` must be a lower-case PostgreSQL role name (received "x\\"; DROP TABLE alerts; --").`);
        expect(alterPasswordSql("flightstream_insights", "it's-a-long-password!")).to.equal(`ALTER ROLE "flightstream_insights" WITH LOGIN PASSWORD 'it''s-a-long-password!'`);
        expect(() => alterPasswordSql("flightstream_insights", "short")).to.throw(RotationError, "alterPasswordSql: the password must have at least 16 characters and no backslash or NUL.");
    });
});

async function expectError(p: Promise<unknown>, message: string): Promise<void> {
    try {
        await p;
    } catch (e) {
        expect((e as Error).message).to.equal(message);
        return;
    }
    throw new Error(`expected the rotation to fail with: ${message}`);
}
