/**
 * A data pond: one team's bucket in the team's own account.
 *
 * Resources: the same hardened bucket and key as the lake
 * (components/lake/secureBucket.ts: SSE-KMS with a customer key and bucket
 * key, Block Public Access, versioning, BucketOwnerEnforced, lifecycle,
 * Intelligent-Tiering, access-log bucket with the SSE-S3 exception, TLS-only
 * and right-key-only bucket policy) and a reader role for the owning team.
 *
 * The bucket and key policies name EXACTLY:
 * - `etlRoleArns` (the pond ETL roles in the lake account): write and delete
 *   under the dataset prefixes (`<dataset>/`) and the Athena results prefix
 *   (`_athena-results/`), encrypt/decrypt through S3;
 * - the pond's reader role: read the dataset prefixes, decrypt through S3;
 * - the pond account root, which administers the key.
 * The reader role trusts only `readerPrincipalArns` and may read this pond
 * (and, when `lakeRead` is given, the lake's `data/`) and nothing else.
 */
import { Grant, Grantee, LakeBucketRef } from "../common/grants";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, principalTrustPolicy } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, AWS_REGION, validator } from "../common/validation";
import { readStatements, writeStatements } from "../lake/grants";
import { createSecureBucket } from "../lake/secureBucket";
import { DEFAULT_DATASET_ROOT, loadDatasetCatalog } from "../../functions/pond-etl/datasets";

/** Where the pond's Athena workgroup keeps query results (inside the pond, under the pond key). */
export const ATHENA_RESULTS_PREFIX = "_athena-results/";

export interface PondArgs {
    /** Pond name (lower-case). */
    readonly pond: string;
    /** Owning team (tagged as `Team`). */
    readonly team: string;
    /** Pond account id. */
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    /** Datasets this pond receives (each is a `<dataset>/` prefix), by name (folders under `datasetRoots`). */
    readonly datasets: string[];
    /** Folders holding one folder per dataset (as PondEtl's). @default - the repository's datasets/ */
    readonly datasetRoots?: string[];
    /** Pond ETL role ARNs (lake account) that write the datasets. */
    readonly etlRoleArns: pulumi.Input<string>[];
    /** IAM principals of the owning team that may assume the reader role. */
    readonly readerPrincipalArns: pulumi.Input<string>[];
    /** Also let the reader role read the raw lake (the lake must list the role in `readerRoleArns`). @default - no lake access */
    readonly lakeRead?: { readonly bucketArn: pulumi.Input<string>; readonly keyArn: pulumi.Input<string> };
    /** @default - generated from the component name */
    readonly bucketName?: pulumi.Input<string>;
    /** Intelligent-Tiering archive tiers (90 / 180 days). @default false */
    readonly archiveTiers?: boolean;
    /** @default false */
    readonly forceDestroy?: boolean;
    /** Reader role session length. @default 3600 */
    readonly readerMaxSessionSeconds?: number;
}

export class Pond extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly key: aws.kms.Key;
    readonly logBucket: aws.s3.Bucket;
    readonly bucketPolicy: aws.s3.BucketPolicy;
    readonly readerRole: aws.iam.Role;
    readonly bucketArn: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly keyArn: pulumi.Output<string>;
    readonly datasets: string[];
    readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

    constructor(name: string, args: PondArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:pond:Pond", name, {}, opts);
        const v = validator("Pond", name);
        v.pattern("pond", args.pond, /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "3 to 32 lower-case letters, digits or dashes, starting with a letter");
        v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
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
        this.datasets = [...args.datasets];
        const datasetPrefixes = this.datasets.map((d) => `${d}/`);
        const tags = { Team: args.team, Pond: args.pond };

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

        const sb = createSecureBucket(this, name, {
            accountId: args.accountId,
            region: args.region,
            bucketName: args.bucketName,
            writers: [{ sid: "PondEtl", principalArns: args.etlRoleArns, prefixes: [...datasetPrefixes, ATHENA_RESULTS_PREFIX], allowDelete: true }],
            readers: [{ sid: "PondReader", principalArns: [this.readerRole.arn], prefixes: datasetPrefixes }],
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
        });
        this.bucket = sb.bucket;
        this.key = sb.key;
        this.logBucket = sb.logBucket;
        this.bucketPolicy = sb.bucketPolicy;
        this.bucketArn = sb.bucket.arn;
        this.bucketName = sb.bucket.bucket;
        this.keyArn = sb.key.arn;

        const statements: PolicyStatement[] = readStatements(this.bucketArn, this.keyArn, datasetPrefixes);
        if (args.lakeRead) statements.push(...readStatements(args.lakeRead.bucketArn, args.lakeRead.keyArn, ["data/"]));
        new aws.iam.RolePolicy(`${name}-reader-policy`, { role: this.readerRole.name, policy: policyDocument(statements) }, { parent: this.readerRole });
        this.registerOutputs({ bucket: this.bucket, key: this.key, logBucket: this.logBucket, bucketPolicy: this.bucketPolicy, readerRole: this.readerRole });
    }

    /** IAM statements for the ETL (lake account side): write/delete datasets and Athena results, use the key. */
    writeStatements(): PolicyStatement[] {
        return writeStatements(this.bucketArn, this.keyArn, [...this.datasets.map((d) => `${d}/`), ATHENA_RESULTS_PREFIX], true);
    }

    /** The pond bucket as a reference. */
    get ref(): LakeBucketRef {
        return LakeBucketRef.fromBucketAttributes({ bucketArn: this.bucketArn, bucketName: this.bucketName, keyArn: this.keyArn, label: "Pond" });
    }

    /** Lets a principal write the pond's datasets and Athena results (it must also be one of `etlRoleArns`). */
    grantWrite(name: string, grantee: Grantee): Grant {
        return this.ref.grantWrite(name, grantee, [...this.datasets.map((d) => `${d}/`), ATHENA_RESULTS_PREFIX], true);
    }

    /** Lets a principal read the datasets (same-account roles; others assume the reader role). */
    grantRead(name: string, grantee: Grantee): Grant {
        return this.ref.grantRead(
            name,
            grantee,
            this.datasets.map((d) => `${d}/`),
        );
    }

    /** Daily storage metric: bytes stored (Intelligent-Tiering frequent access by default). */
    metricBucketSizeBytes(storageType = "IntelligentTieringFAStorage", options: MetricOptions = {}): MetricSpec {
        return metric("AWS/S3", "BucketSizeBytes", { BucketName: this.bucketName, StorageType: storageType }, { statistic: "Average", periodSeconds: 86400, unit: "Bytes" }, options);
    }

    /** Daily storage metric: number of objects. */
    metricNumberOfObjects(options: MetricOptions = {}): MetricSpec {
        return metric("AWS/S3", "NumberOfObjects", { BucketName: this.bucketName, StorageType: "AllStorageTypes" }, { statistic: "Average", periodSeconds: 86400, unit: "Count" }, options);
    }
}
