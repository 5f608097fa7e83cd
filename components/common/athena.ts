/**
 * The Athena workgroup recipe of the components that query the lake
 * (ModelTraining, PondEtl): engine v3, enforced configuration, CloudWatch
 * metrics, a per-query scan cutoff, and results written SSE-KMS to one
 * bucket prefix whose owner is checked.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Where a workgroup's query results go: `s3://<bucketName>/<prefix>`, SSE-KMS with `kmsKeyArn`, the bucket owned by `owner`. */
export interface QueryResults {
    readonly bucketName: pulumi.Input<string>;
    /** Ends in "/". */
    readonly prefix: string;
    readonly owner: pulumi.Input<string>;
    readonly kmsKeyArn: pulumi.Input<string>;
}

/**
 * An `aws.athena.Workgroup` named `resourceName` under `parent`, called `name`,
 * with `bytesScannedCutoffPerQuery` (at least 10 MiB) and its `results`.
 */
export function queryWorkgroup(resourceName: string, parent: pulumi.Resource, name: pulumi.Input<string>, description: string, bytesScannedCutoffPerQuery: number, results: QueryResults): aws.athena.Workgroup {
    return new aws.athena.Workgroup(
        resourceName,
        {
            name,
            description,
            forceDestroy: true,
            configuration: {
                enforceWorkgroupConfiguration: true,
                publishCloudwatchMetricsEnabled: true,
                bytesScannedCutoffPerQuery,
                engineVersion: { selectedEngineVersion: "Athena engine version 3" },
                resultConfiguration: {
                    outputLocation: pulumi.interpolate`s3://${results.bucketName}/${results.prefix}`,
                    expectedBucketOwner: results.owner,
                    encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: results.kmsKeyArn },
                },
            },
        },
        { parent },
    );
}
