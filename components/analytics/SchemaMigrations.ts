/**
 * Applies the versioned SQL migrations (functions/shared/db/migrations) at
 * deploy time: a migration Lambda (functions/migrate, bundled together with the
 * .sql files) invoked by aws.lambda.Invocation whenever the migrations' hash
 * changes. The runner is idempotent, so a re-invocation applies nothing.
 *
 * Creates: aws.lambda.Function (+ role, policies, KMS log group) and
 * aws.lambda.Invocation (triggers: the migrations' hash).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { FUNCTIONS_DIR, bundleFunction } from "../common/bundle";
import { AWS_ACCOUNT_ID, isKnown, validator } from "../common/validation";
import { loadMigrations, migrationsHash } from "../../functions/shared/db/migrations";
import { AuroraDatabase } from "./AuroraDatabase";
import { lambdaFunction } from "../common/lambda";

export const MIGRATIONS_DIR = path.join(FUNCTIONS_DIR, "shared", "db", "migrations");

export interface SchemaMigrationsArgs {
    readonly accountId: pulumi.Input<string>;
    readonly database: AuroraDatabase;
    /** Folder of NNNN_name.sql files. @default functions/shared/db/migrations */
    readonly migrationsDir?: string;
    /** @default 30 */
    readonly logRetentionDays?: number;
}

export class SchemaMigrations extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly invocation: aws.lambda.Invocation;
    /** sha256 over every migration's version, name and checksum. */
    readonly hash: string;
    readonly versions: string[];

    constructor(name: string, args: SchemaMigrationsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:analytics:SchemaMigrations", name, {}, opts);
        const v = validator("SchemaMigrations", name);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        const dir = args.migrationsDir ?? MIGRATIONS_DIR;
        let migrations;
        try {
            migrations = loadMigrations(dir);
        } catch (e) {
            v.fail("migrationsDir", `a folder of valid NNNN_name.sql migrations (${(e as Error).message})`, dir);
        }
        if (migrations!.length === 0) v.fail("migrationsDir", "a folder with at least one NNNN_name.sql migration", dir);
        this.hash = migrationsHash(migrations!);
        this.versions = migrations!.map((m) => `${m.version}_${m.name}`);

        const { code, map } = bundleFunction("migrate");
        const files: Record<string, pulumi.asset.Asset> = {
            "index.js": new pulumi.asset.StringAsset(code),
            "index.js.map": new pulumi.asset.StringAsset(map),
        };
        for (const m of migrations!) files[`migrations/${m.version}_${m.name}.sql`] = new pulumi.asset.StringAsset(m.sql);

        const db = args.database;
        const fn = lambdaFunction(name, this, {
            description: "Applies the analytics SQL migrations through the Data API",
            accountId: args.accountId,
            code: new pulumi.asset.AssetArchive(files),
            logKeyArn: db.keyArn,
            logRetentionDays: args.logRetentionDays ?? 30,
            environment: { DB_CLUSTER_ARN: db.clusterArn, DB_SECRET_ARN: db.secretArn, DB_NAME: db.databaseName, POWERTOOLS_SERVICE_NAME: "migrate" },
            statements: [],
            timeoutSeconds: 900,
            memoryMiB: 256,
            roleGrants: (role) => [db.grantDataApi(`${name}-data-api`, role).principalPolicy!],
        });
        this.function = fn.function;

        this.invocation = new aws.lambda.Invocation(
            `${name}-run`,
            {
                functionName: this.function.name,
                input: JSON.stringify({ expectedHash: this.hash }),
                triggers: { migrationsHash: this.hash },
            },
            { parent: this, dependsOn: [...db.instances, fn.function] },
        );

        this.registerOutputs({ function: this.function, invocation: this.invocation, hash: this.hash, versions: this.versions });
    }
}
