/**
 * A data pond: one team's bucket in the team's own account.
 *
 * Resources: the same hardened bucket and key as the lake
 * (components/lake/secureBucket.ts: SSE-KMS with a customer key and bucket
 * key, Block Public Access, versioning, BucketOwnerEnforced, lifecycle,
 * Intelligent-Tiering, access-log bucket with the SSE-S3 exception, TLS-only
 * and right-key-only bucket policy) and a reader role for the owning team.
 *
 * The bucket and key policies are built from grants (collect-then-write,
 * as the lake's): besides the fixed statements (TLS only, SSE-KMS under the
 * pond key only; the pond account root administers the key) they name
 * EXACTLY the principals of other accounts granted with `grantWrite` (the
 * pond ETL role in the lake account: write and delete under the dataset
 * prefixes `<dataset>/` and `_athena-results/`, the key through S3) or
 * `grantRead`. The reader role (pond account: its identity policy is enough)
 * trusts only `readerPrincipalArns` and may read this pond (and, when
 * `lakeRead` is given, the lake's `data/`, granted through that reference so
 * the lake's policies admit it) and nothing else.
 */
import { Grant, Grantee, LakeBucketRef, StatementCollector } from "../common/grants";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, principalTrustPolicy } from "../common/iam";
import { validator } from "../common/validation";
import { checkAccountArgs } from "../common/args";
import { writeStatements } from "../lake/grants";
import { SecureBucketOwner } from "../lake/secureBucket";
import { DEFAULT_DATASET_ROOT, loadDatasetCatalog } from "../../functions/pond-etl/datasets";

/** Where the pond's Athena workgroup keeps query results (inside the pond, under the pond key). */
export const ATHENA_RESULTS_PREFIX = "_athena-results/";

export interface PondArgs {
    /** Pond name (lower-case). */
    readonly pond: string;
    /** Owning team (tagged as `Team`). */
    readonly team: string;
    /** Pond account id, a plain 12-digit id: grants compare it with their principal's account. */
    readonly accountId: string;
    readonly region: pulumi.Input<string>;
    /** Datasets this pond receives (each is a `<dataset>/` prefix), by name (folders under `datasetRoots`). */
    readonly datasets: string[];
    /** Folders holding one folder per dataset (as PondEtl's). @default - the repository's datasets/ */
    readonly datasetRoots?: string[];
    /** IAM principals of the owning team that may assume the reader role. */
    readonly readerPrincipalArns: pulumi.Input<string>[];
    /** Also let the reader role read the raw lake's `data/` (`DataLake.ref`: the lake's policies admit the role; another stack's reference: the grant's statements are the lake owner's to apply). @default - no lake access */
    readonly lakeRead?: LakeBucketRef;
    /** @default - generated from the component name */
    readonly bucketName?: pulumi.Input<string>;
    /** Intelligent-Tiering archive tiers (90 / 180 days). @default false */
    readonly archiveTiers?: boolean;
    /** @default false */
    readonly forceDestroy?: boolean;
    /** Reader role session length. @default 3600 */
    readonly readerMaxSessionSeconds?: number;
}

export class Pond extends SecureBucketOwner {
    readonly readerRole: aws.iam.Role;
    readonly datasets: string[];
    readonly alarms: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, args: PondArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const v = validator("Pond", name);
        v.pattern("pond", args.pond, /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "3 to 32 lower-case letters, digits or dashes, starting with a letter");
        checkAccountArgs(v, args);
        let known: string[] = [];
        try {
            known = [...loadDatasetCatalog(args.datasetRoots ?? [DEFAULT_DATASET_ROOT]).keys()];
        } catch (e) {
            v.check("datasetRoots", false, `folders of valid datasets (${(e as Error).message})`, args.datasetRoots ?? [DEFAULT_DATASET_ROOT]);
        }
        v.check("datasets", args.datasets.length > 0, `a non-empty list of ${known.map((d) => `"${d}"`).join(", ")}`, args.datasets);
        args.datasets.forEach((d, i) => v.oneOf(`datasets[${i}]`, d, known));
        v.check("readerPrincipalArns", args.readerPrincipalArns.length > 0, "a non-empty list of IAM principal ARNs of the owning team", args.readerPrincipalArns);
        const maxSession = args.readerMaxSessionSeconds ?? 3600;
        v.intRange("readerMaxSessionSeconds", maxSession, 3600, 43200);
        const tags = { Team: args.team, Pond: args.pond };
        super(
            "flightstream:pond:Pond",
            name,
            opts,
            {
                accountId: args.accountId,
                bucketName: args.bucketName,
                archiveAccessDays: args.archiveTiers ? 90 : undefined,
                deepArchiveAccessDays: args.archiveTiers ? 180 : undefined,
                abortIncompleteMultipartUploadDays: 7,
                noncurrentVersionExpirationDays: 30,
                accessLogRetentionDays: 365,
                requestMetrics: false,
                forceDestroy: args.forceDestroy ?? false,
                keyDeletionWindowDays: 30,
                description: `Pond ${args.pond} (team ${args.team}): written by the pond ETL, read by the team`,
                tags,
            },
            { accountId: args.accountId, region: args.region, label: "Pond" },
        );
        this.datasets = [...args.datasets];
        this.alarms = [];

        this.readerRole = new aws.iam.Role(
            `${name}-reader`,
            {
                description: `Read the ${args.pond} pond (team ${args.team})`,
                assumeRolePolicy: principalTrustPolicy(args.readerPrincipalArns),
                maxSessionDuration: maxSession,
                tags,
            },
            { parent: this },
        );

        // The reader role's one policy document, from its grants (the lake's grant admits the role in the lake's policies).
        const reader = new StatementCollector(this.readerRole, args.accountId);
        this.grantRead(`${name}-reader`, reader);
        args.lakeRead?.grantRead(`${name}-reader-lake`, reader, ["data/"]);
        new aws.iam.RolePolicy(`${name}-reader-policy`, { role: this.readerRole.name, policy: policyDocument(reader.statements) }, { parent: this.readerRole });
        this.registerOutputs({ bucket: this.bucket, key: this.key, logBucket: this.logBucket, bucketPolicy: this.bucketPolicy, readerRole: this.readerRole });
    }

    /** IAM statements for the ETL (lake account side): write/delete datasets and Athena results, use the key. */
    writeStatements(): PolicyStatement[] {
        return writeStatements(this.bucketArn, this.keyArn, [...this.datasets.map((d) => `${d}/`), ATHENA_RESULTS_PREFIX], true);
    }

    /** Lets a principal (the pond ETL role) write the pond's datasets and Athena results; the pond's policies admit it when in another account. */
    grantWrite(name: string, grantee: Grantee): Grant {
        return this.ref.grantWrite(name, grantee, [...this.datasets.map((d) => `${d}/`), ATHENA_RESULTS_PREFIX], true);
    }

    /** Lets a principal read the datasets; the pond's policies admit it when in another account (the team's own roles assume the reader role). */
    grantRead(name: string, grantee: Grantee): Grant {
        return this.ref.grantRead(
            name,
            grantee,
            this.datasets.map((d) => `${d}/`),
        );
    }
}
