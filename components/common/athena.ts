/**
 * The Athena workgroup recipe of the components that query the lake
 * (ModelTraining, PondEtl): engine v3, enforced configuration, CloudWatch
 * metrics, a per-query scan cutoff, and results written SSE-KMS to one
 * bucket prefix whose owner is checked.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface QueryWorkgroupArgs {
    /** The workgroup's name (`<stack>-...`). */
    readonly name: pulumi.Input<string>;
    readonly description: string;
    /** Athena bytes-scanned limit per query (at least 10 MiB). */
    readonly bytesScannedCutoffPerQuery: number;
    /** Where results go: `s3://<bucket>/<prefix>`. */
    readonly outputLocation: pulumi.Input<string>;
    /** The account that must own the results bucket. */
    readonly expectedBucketOwner: pulumi.Input<string>;
    /** The key results are encrypted with (SSE-KMS). */
    readonly kmsKeyArn: pulumi.Input<string>;
}

/** An `aws.athena.Workgroup` named `resourceName` under `parent`. */
export function queryWorkgroup(resourceName: string, parent: pulumi.Resource, args: QueryWorkgroupArgs): aws.athena.Workgroup {
    return new aws.athena.Workgroup(
        resourceName,
        {
            name: args.name,
            description: args.description,
            forceDestroy: true,
            configuration: {
                enforceWorkgroupConfiguration: true,
                publishCloudwatchMetricsEnabled: true,
                bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery,
                engineVersion: { selectedEngineVersion: "Athena engine version 3" },
                resultConfiguration: {
                    outputLocation: args.outputLocation,
                    expectedBucketOwner: args.expectedBucketOwner,
                    encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: args.kmsKeyArn },
                },
            },
        },
        { parent },
    );
}
