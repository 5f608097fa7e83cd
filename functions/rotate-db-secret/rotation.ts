/**
 * Secrets Manager rotation of a per-function database user (the four-step
 * protocol: createSecret, setSecret, testSecret, finishSecret), through the RDS
 * Data API with the master secret. Pure of AWS: the secret store, the database
 * (as the master user) and the login check are passed in (handler.ts wires the
 * AWS SDK; the tests wire an in-memory store and the local Data API).
 *
 * The secret's JSON is the Data API's shape: {"engine","username","password",
 * "dbClusterIdentifier","dbname"}. It is created without a password; the first
 * rotation (immediately after creation) sets one, so no password ever appears
 * in the stack or in a migration.
 */

export type RotationStep = "createSecret" | "setSecret" | "testSecret" | "finishSecret";
export const ROTATION_STEPS: readonly RotationStep[] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

export interface RotationEvent {
    readonly SecretId: string;
    readonly ClientRequestToken: string;
    readonly Step: string;
}

export interface SecretVersion {
    readonly versionId: string;
    readonly value: string;
}

/** What the rotation needs of Secrets Manager. */
export interface SecretStore {
    /** Rotation enabled, and every version id with its staging labels. */
    describe(secretId: string): Promise<{ rotationEnabled: boolean; versions: Record<string, string[]> }>;
    /** The version with this id (and stage), or with this stage; undefined when there is none. */
    get(secretId: string, select: { versionId?: string; stage?: string }): Promise<SecretVersion | undefined>;
    put(secretId: string, versionId: string, value: string, stages: string[]): Promise<void>;
    /** Moves AWSCURRENT to `toVersion` (from `fromVersion`). */
    moveCurrent(secretId: string, toVersion: string, fromVersion: string | undefined): Promise<void>;
    randomPassword(): Promise<string>;
}

/** The database as the master user. */
export interface MasterDatabase {
    execute(sql: string): Promise<unknown>;
    query(sql: string, params: Record<string, string>): Promise<Record<string, unknown>[]>;
}

export interface RotationDeps {
    readonly store: SecretStore;
    readonly master: MasterDatabase;
    /** Runs `SELECT current_user` through the Data API with the function's secret (its AWSCURRENT version). */
    readonly currentUserWith: (secretArn: string) => Promise<string>;
}

export class RotationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RotationError";
    }
}

/** PostgreSQL role names the rotation manages (the per-function users of migration 0100). */
export const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Characters GetRandomPassword must leave out (quotes, backslash and characters Data API secrets dislike). */
export const PASSWORD_EXCLUDE = "'\"\\/@`";

export interface DbUserSecret {
    readonly engine?: string;
    readonly username: string;
    readonly password?: string;
    readonly dbClusterIdentifier?: string;
    readonly dbname?: string;
}

export function parseUserSecret(secretId: string, value: string): DbUserSecret {
    let o: unknown;
    try {
        o = JSON.parse(value);
    } catch {
        throw new RotationError(`Secret ${secretId} is not JSON; it must be {"username": "...", ...}.`);
    }
    const username = (o as { username?: unknown })?.username;
    if (typeof username !== "string" || !ROLE_NAME.test(username)) {
        throw new RotationError(`Secret ${secretId}: \`username\` must be a lower-case PostgreSQL role name (received ${JSON.stringify(username)}).`);
    }
    return o as DbUserSecret;
}

/** `ALTER ROLE` cannot take bind parameters: the name is checked and quoted, the password quoted as a literal. */
export function alterPasswordSql(username: string, password: string): string {
    if (!ROLE_NAME.test(username)) throw new RotationError(`alterPasswordSql: username must be a lower-case PostgreSQL role name (received ${JSON.stringify(username)}).`);
    // eslint-disable-next-line no-control-regex -- NUL is exactly what must be refused
    if (password.length < 16 || /[\\\u0000]/.test(password)) throw new RotationError("alterPasswordSql: the password must have at least 16 characters and no backslash or NUL.");
    return `ALTER ROLE "${username}" WITH LOGIN PASSWORD '${password.replace(/'/g, "''")}'`;
}

function currentVersion(versions: Record<string, string[]>): string | undefined {
    return Object.entries(versions).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
}

/** Runs one step of the protocol; every step is idempotent (Secrets Manager retries). */
export async function rotateStep(event: RotationEvent, deps: RotationDeps): Promise<void> {
    const { SecretId: secretId, ClientRequestToken: token } = event;
    if (!ROTATION_STEPS.includes(event.Step as RotationStep)) {
        throw new RotationError(`Unknown rotation step ${JSON.stringify(event.Step)}; expected one of ${ROTATION_STEPS.join(", ")}.`);
    }
    const { store } = deps;
    const meta = await store.describe(secretId);
    if (!meta.rotationEnabled) throw new RotationError(`Secret ${secretId} does not have rotation enabled.`);
    const stages = meta.versions[token];
    if (stages === undefined) throw new RotationError(`Secret ${secretId} has no version ${token} to rotate to.`);
    if (stages.includes("AWSCURRENT")) {
        if (event.Step !== "testSecret") return; // this version is already the current one
    } else if (!stages.includes("AWSPENDING")) {
        throw new RotationError(`Version ${token} of secret ${secretId} is neither AWSCURRENT nor AWSPENDING.`);
    }

    switch (event.Step as RotationStep) {
        case "createSecret": {
            const current = await store.get(secretId, { stage: "AWSCURRENT" });
            if (!current) throw new RotationError(`Secret ${secretId} has no AWSCURRENT version.`);
            const user = parseUserSecret(secretId, current.value);
            if (await store.get(secretId, { versionId: token, stage: "AWSPENDING" })) return;
            const password = await store.randomPassword();
            await store.put(secretId, token, JSON.stringify({ ...user, password }), ["AWSPENDING"]);
            return;
        }
        case "setSecret": {
            const pending = await store.get(secretId, { versionId: token, stage: "AWSPENDING" });
            if (!pending) throw new RotationError(`Secret ${secretId} has no AWSPENDING version ${token}; createSecret did not run.`);
            const user = parseUserSecret(secretId, pending.value);
            if (typeof user.password !== "string") throw new RotationError(`AWSPENDING version ${token} of secret ${secretId} has no password.`);
            await deps.master.execute(alterPasswordSql(user.username, user.password));
            return;
        }
        case "testSecret": {
            // The Data API authenticates only with a secret's AWSCURRENT version, so the pending
            // password cannot be tried here: check through the master user that the role exists
            // and may log in; finishSecret then logs in with the new current version.
            const version = await store.get(secretId, stages.includes("AWSCURRENT") ? { versionId: token } : { versionId: token, stage: "AWSPENDING" });
            if (!version) throw new RotationError(`Secret ${secretId} has no version ${token}.`);
            const user = parseUserSecret(secretId, version.value);
            const rows = await deps.master.query("SELECT rolcanlogin, rolvaliduntil FROM pg_roles WHERE rolname = :name", { name: user.username });
            if (rows.length !== 1) throw new RotationError(`Role ${user.username} of secret ${secretId} does not exist; the migration that creates it has not run.`);
            if (rows[0].rolcanlogin !== true) throw new RotationError(`Role ${user.username} of secret ${secretId} cannot log in.`);
            return;
        }
        case "finishSecret": {
            const from = currentVersion(meta.versions);
            await store.moveCurrent(secretId, token, from);
            const pending = await store.get(secretId, { versionId: token });
            const user = parseUserSecret(secretId, pending!.value);
            const who = await deps.currentUserWith(secretId);
            if (who !== user.username) {
                throw new RotationError(`After rotating ${secretId}, the Data API logged in as ${JSON.stringify(who)} instead of ${JSON.stringify(user.username)}.`);
            }
            return;
        }
    }
}
