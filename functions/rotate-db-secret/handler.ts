/**
 * Rotation Lambda for the per-function database users' secrets (invoked by
 * Secrets Manager). Wires rotation.ts to Secrets Manager and to the RDS Data API:
 * DB_CLUSTER_ARN, DB_MASTER_SECRET_ARN (ALTER ROLE as the master user) and DB_NAME.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { DescribeSecretCommand, GetRandomPasswordCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";
import { DataApi } from "../shared/db/dataapi";
import { PASSWORD_EXCLUDE, RotationDeps, RotationEvent, SecretStore, rotateStep } from "./rotation";

const logger = new Logger({ serviceName: "rotate-db-secret" });

export function secretsManagerStore(client: SecretsManagerClient): SecretStore {
    return {
        async describe(secretId) {
            const d = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
            return { rotationEnabled: d.RotationEnabled === true, versions: d.VersionIdsToStages ?? {} };
        },
        async get(secretId, select) {
            try {
                const v = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: select.versionId, VersionStage: select.stage }));
                return v.VersionId && v.SecretString !== undefined ? { versionId: v.VersionId, value: v.SecretString } : undefined;
            } catch (e) {
                if (e instanceof ResourceNotFoundException) return undefined;
                throw e;
            }
        },
        async put(secretId, versionId, value, stages) {
            await client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: value, VersionStages: stages }));
        },
        async moveCurrent(secretId, toVersion, fromVersion) {
            await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSCURRENT", MoveToVersionId: toVersion, RemoveFromVersionId: fromVersion }));
        },
        async randomPassword() {
            const r = await client.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludeCharacters: PASSWORD_EXCLUDE, RequireEachIncludedType: true }));
            return r.RandomPassword!;
        },
    };
}

export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): RotationDeps {
    const rds = new RDSDataClient({});
    const target = (secretArn: string) => new DataApi({ client: rds, resourceArn: env.DB_CLUSTER_ARN!, secretArn, database: env.DB_NAME! });
    const master = target(env.DB_MASTER_SECRET_ARN!);
    return {
        store: secretsManagerStore(new SecretsManagerClient({})),
        master: { execute: (sql) => master.execute(sql), query: (sql, params) => master.query(sql, params) },
        currentUserWith: async (secretArn) => String((await target(secretArn).query<{ u: string }>("SELECT current_user AS u"))[0]?.u),
    };
}

let deps: RotationDeps | undefined;

export const handler = async (event: RotationEvent): Promise<void> => {
    deps ??= depsFromEnv();
    logger.info("rotation step", { secretId: event.SecretId, step: event.Step, token: event.ClientRequestToken });
    await rotateStep(event, deps);
};
