/**
 * `npm run ops -- keys issue|list|rotate|revoke ...`: manages the ingestion
 * service's per-source keys (functions/ingest/keys.ts document format).
 *
 *   keys issue  --source S                      a new key for S (printed once; only its hash is stored)
 *   keys list   [--source S]                    every key: id, source, state, dates (never a hash or key)
 *   keys rotate --source S [--overlap-hours H]  a new key for S; S's active keys expire in H hours (default 24)
 *   keys revoke --source S [--id ID]            revokes S's active keys (or the one named by --id) now
 *
 * Where: `--local DIR` (the local platform's data folder: DIR/ingest-key-store.json)
 * or `--secret-arn ARN` (the Secrets Manager secret the stack created; AWS
 * credentials from the environment). The service picks changes up within
 * INGEST_KEYS_REFRESH_SECONDS (default 60), and a new key at once on first use.
 * Exit codes: 0 done, 1 the store could not be read or written, 2 bad arguments.
 */
import * as path from "path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
    KeyStoreError,
    SECRET_ARN_PATTERN,
    SOURCE_PATTERN,
    fileBackend,
    formatKeyDocument,
    generateKey,
    hashKey,
    keyState,
    newKeyId,
    parseKeyDocument,
    secretBackend,
    type KeyDocument,
    type KeyDocumentBackend,
    type KeyRecord,
} from "../functions/ingest/keys";
import { LOCAL_KEY_STORE_FILE } from "../local/keys";
import { CliUsageError, defineCommand, parseCommand, usage } from "./lib/cli";

export const KEYS_COMMAND = defineCommand({
    name: "ops keys",
    invocation: "npm run ops -- keys",
    summary: "Manages the ingestion service's per-source keys (--local DIR or --secret-arn ARN says where they live).",
    positionals: [{ name: "command", description: "issue | list | rotate | revoke", required: true }],
    options: {
        source: { type: "string", value: "S", description: "the source (required by issue, rotate, revoke; a filter for list)" },
        id: { type: "string", value: "ID", description: "revoke: only this key (default: every active key of --source)" },
        "overlap-hours": { type: "string", value: "H", default: "24", description: "rotate: how long the previous keys stay valid, 0..720" },
        local: { type: "string", value: "DIR", description: `the local platform's data folder (DIR/${LOCAL_KEY_STORE_FILE}, e.g. --local .local)` },
        "secret-arn": { type: "string", value: "ARN", description: "the Secrets Manager secret of the ingestion key store (AWS)" },
    },
    notes: `commands:
  issue   --source S                      issue a new key for source S; the key is printed once, only its hash is stored
  list    [--source S]                    list keys (id, source, state, createdAt, notAfter, revokedAt)
  rotate  --source S [--overlap-hours H]  issue a new key; S's active keys stay valid for H more hours
  revoke  --source S [--id ID]            revoke S's active keys now (or only the key ID)`,
});

export const KEYS_USAGE = usage(KEYS_COMMAND);

export class KeysArgsError extends CliUsageError {}

export interface KeysIo {
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    readonly now?: () => Date;
    /** Secrets Manager client for --secret-arn (tests pass a fake). */
    readonly secretsManager?: Pick<SecretsManagerClient, "send">;
}

type Command = "issue" | "list" | "rotate" | "revoke";
const COMMANDS: readonly Command[] = ["issue", "list", "rotate", "revoke"];

interface KeysArgs {
    readonly command: Command;
    readonly source?: string;
    readonly id?: string;
    readonly overlapHours: number;
    readonly where: { kind: "local"; dir: string } | { kind: "secret"; arn: string };
}

export function parseKeysArgs(argv: readonly string[]): KeysArgs | "help" {
    let parsed;
    try {
        parsed = parseCommand(KEYS_COMMAND, argv);
    } catch (err) {
        throw new KeysArgsError((err as Error).message);
    }
    if (parsed.help) return "help";
    const { values, positionals } = parsed;
    const command = positionals[0] as Command | undefined;
    if (command === undefined || !COMMANDS.includes(command)) {
        throw new KeysArgsError(`the command must be one of ${COMMANDS.join(", ")}; received ${command === undefined ? "none" : JSON.stringify(command)}`);
    }
    if (positionals.length > 1) throw new KeysArgsError(`unexpected argument ${JSON.stringify(positionals[1])}`);
    const source = values.source;
    if (source !== undefined && !SOURCE_PATTERN.test(source)) {
        throw new KeysArgsError(`\`--source\` must be lower-case letters, digits, ".", "_" or "-" (1 to 64, starting with a letter or digit); received ${JSON.stringify(source)}`);
    }
    if (command !== "list" && source === undefined) throw new KeysArgsError(`\`keys ${command}\` needs --source S`);
    let overlapHours = 24;
    if (values["overlap-hours"] !== undefined) {
        if (command !== "rotate") throw new KeysArgsError("`--overlap-hours` applies to `keys rotate` only");
        const raw = values["overlap-hours"];
        const n = Number(raw);
        if (!/^\d+(\.\d+)?$/.test(raw) || n > 720) throw new KeysArgsError(`\`--overlap-hours\` must be a number of hours from 0 to 720; received ${JSON.stringify(raw)}`);
        overlapHours = n;
    }
    if (values.id !== undefined && command !== "revoke") throw new KeysArgsError("`--id` applies to `keys revoke` only");
    const local = values.local;
    const arn = values["secret-arn"];
    if ((local === undefined) === (arn === undefined)) {
        throw new KeysArgsError("say where the keys live: exactly one of --local DIR or --secret-arn ARN");
    }
    if (arn !== undefined && !SECRET_ARN_PATTERN.test(arn)) {
        throw new KeysArgsError(`\`--secret-arn\` must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); received ${JSON.stringify(arn)}`);
    }
    return {
        command,
        source,
        id: values.id,
        overlapHours,
        where: local !== undefined ? { kind: "local", dir: path.resolve(local) } : { kind: "secret", arn: arn! },
    };
}

async function readDocument(backend: KeyDocumentBackend, allowMissing: boolean): Promise<KeyDocument> {
    let text: string;
    try {
        text = await backend.read();
    } catch (err) {
        if (allowMissing && /ENOENT/.test((err as Error).message)) return { version: 1, keys: [] };
        throw err;
    }
    return parseKeyDocument(text, backend.where);
}

function describe(k: KeyRecord, now: number): string {
    const dates = [`created ${k.createdAt}`, ...(k.notAfter ? [`notAfter ${k.notAfter}`] : []), ...(k.revokedAt ? [`revoked ${k.revokedAt}`] : [])];
    return `${k.id}  ${k.source}  ${keyState(k, now)}  ${dates.join("  ")}`;
}

/** Runs one keys command; returns the exit code. */
export async function keysMain(argv: readonly string[], io: KeysIo): Promise<number> {
    let args: KeysArgs | "help";
    try {
        args = parseKeysArgs(argv);
    } catch (err) {
        io.err(`ops keys: ${(err as Error).message}`);
        io.err(`\n${KEYS_USAGE}`);
        return 2;
    }
    if (args === "help") {
        io.out(KEYS_USAGE);
        return 0;
    }
    const backend = args.where.kind === "local" ? fileBackend(path.join(args.where.dir, LOCAL_KEY_STORE_FILE)) : secretBackend(args.where.arn, io.secretsManager ?? new SecretsManagerClient({ region: args.where.arn.split(":")[3] }));
    const nowDate = (io.now ?? (() => new Date()))();
    const now = nowDate.getTime();
    try {
        const doc = await readDocument(backend, args.where.kind === "local" && args.command === "issue");
        const source = args.source;
        if (args.command === "list") {
            const keys = doc.keys.filter((k) => source === undefined || k.source === source);
            if (keys.length === 0) io.out(`no keys${source ? ` for source ${source}` : ""} in ${backend.where}`);
            for (const k of keys) io.out(describe(k, now));
            return 0;
        }
        const keys = [...doc.keys];
        const active = keys.filter((k) => k.source === source && keyState(k, now) === "active");
        if (args.command === "revoke") {
            const targets = args.id !== undefined ? keys.filter((k) => k.id === args.id) : active;
            if (args.id !== undefined && (targets.length === 0 || targets[0].source !== source)) {
                io.err(`ops keys: no key ${JSON.stringify(args.id)} of source ${source} in ${backend.where}`);
                return 2;
            }
            if (targets.length === 0) {
                io.err(`ops keys: source ${source} has no active key to revoke in ${backend.where}`);
                return 2;
            }
            const at = nowDate.toISOString();
            const ids = new Set(targets.map((k) => k.id));
            await backend.write(formatKeyDocument({ version: 1, keys: keys.map((k) => (ids.has(k.id) ? { ...k, revokedAt: at } : k)) }));
            for (const id of ids) io.out(`revoked ${id} (source ${source}) at ${at}`);
            return 0;
        }
        if (args.command === "rotate" && active.length === 0) {
            io.err(`ops keys: source ${source} has no active key to rotate in ${backend.where}; use \`keys issue\``);
            return 2;
        }
        const key = generateKey();
        const record: KeyRecord = { id: newKeyId(), source: source!, sha256: hashKey(key), createdAt: nowDate.toISOString() };
        let updated = [...keys, record];
        const notAfter = new Date(now + args.overlapHours * 3600_000).toISOString();
        if (args.command === "rotate") {
            const old = new Set(active.map((k) => k.id));
            updated = updated.map((k) => (old.has(k.id) && (k.notAfter === undefined || Date.parse(k.notAfter) > Date.parse(notAfter)) ? { ...k, notAfter } : k));
        }
        await backend.write(formatKeyDocument({ version: 1, keys: updated }));
        io.out(`issued ${record.id} for source ${source} in ${backend.where}`);
        if (args.command === "rotate") io.out(`the previous key(s) ${active.map((k) => k.id).join(", ")} stay valid until ${notAfter}`);
        io.out("key (shown only now; send it as `Authorization: Bearer <key>`):");
        io.out(key);
        return 0;
    } catch (err) {
        io.err(`ops keys: ${err instanceof KeyStoreError ? err.message : `${(err as Error).name}: ${(err as Error).message}`}`);
        return 1;
    }
}
