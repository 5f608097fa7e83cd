/**
 * Deploy-time migration Lambda, invoked by `aws.lambda.Invocation` whenever the
 * migrations' hash changes. Applies pending migrations (functions/shared/db)
 * from the `migrations/` folder shipped in its bundle (MIGRATIONS_DIR), and
 * fails the deployment with the runner's message on any problem.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import * as path from "path";
import { dataApiFromEnv } from "../shared/db/dataapi";
import { MigrationRunResult, loadMigrations, migrationsHash, runMigrations } from "../shared/db/migrations";

const logger = new Logger({ serviceName: "migrate" });

export interface MigrateResult extends MigrationRunResult {
    readonly hash: string;
}

export const handler = async (event: { expectedHash?: string } = {}): Promise<MigrateResult> => {
    const dir = process.env.MIGRATIONS_DIR ?? path.join(__dirname, "migrations");
    const migrations = loadMigrations(dir);
    const hash = migrationsHash(migrations);
    if (event.expectedHash !== undefined && event.expectedHash !== hash) {
        throw new Error(`Migration bundle mismatch: deployment expected migrations hash ${event.expectedHash}, the bundle has ${hash}.`);
    }
    const result = await runMigrations(dataApiFromEnv(), migrations);
    logger.info("migrations done", { ...result, hash });
    return { ...result, hash };
};
