/**
 * Local stand-in for the one Secrets Manager call the connectors make,
 * `GetSecretValue` (AWS JSON 1.1 protocol: POST with
 * `X-Amz-Target: secretsmanager.GetSecretValue`), so the connector code
 * reads its API key exactly as in AWS with only SECRETS_ENDPOINT changed.
 * Secrets are given by ARN (or name) with their SecretString.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface SecretsStandIn {
    readonly endpoint: string;
    /** Replaces a secret's value (what a rotation does). */
    put(id: string, secretString: string): void;
    stop(): Promise<void>;
}

export async function startSecretsStandIn(secrets: Record<string, string>, port = 0): Promise<SecretsStandIn> {
    const store = new Map(Object.entries(secrets));
    let version = 1;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const reply = (status: number, body: unknown) => {
                const text = JSON.stringify(body);
                res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(text) });
                res.end(text);
            };
            const target = String(req.headers["x-amz-target"] ?? "");
            if (target !== "secretsmanager.GetSecretValue") return reply(400, { __type: "InvalidRequestException", message: `only GetSecretValue is served locally; received ${JSON.stringify(target)}` });
            let id: unknown;
            try {
                id = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { SecretId?: unknown }).SecretId;
            } catch {
                return reply(400, { __type: "InvalidRequestException", message: "the request body is not JSON" });
            }
            const value = typeof id === "string" ? store.get(id) : undefined;
            if (value === undefined) return reply(400, { __type: "ResourceNotFoundException", message: `Secrets Manager can't find the specified secret ${JSON.stringify(id)}.` });
            reply(200, { ARN: id, Name: String(id).split(":").pop(), SecretString: value, VersionId: `v${version}`, VersionStages: ["AWSCURRENT"], CreatedDate: Date.now() / 1000 });
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
    });
    const { port: p } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${p}`,
        put(id, s) {
            store.set(id, s);
            version++;
        },
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
