/** IAM-side statements for reading/writing a secure bucket (the resource side is in secureBucket.ts). */
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement } from "../common/iam";

export function readStatements(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string>, prefixes?: string[]): PolicyStatement[] {
    return [
        { Effect: "Allow", Action: "s3:GetObject", Resource: (prefixes ?? [""]).map((p) => pulumi.interpolate`${bucketArn}/${p}*`) },
        {
            Effect: "Allow",
            Action: prefixes ? "s3:ListBucket" : ["s3:GetBucketLocation", "s3:ListBucket"],
            Resource: bucketArn,
            ...(prefixes ? { Condition: { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}*`]) } } } : {}),
        },
        // GetBucketLocation carries no s3:prefix.
        ...(prefixes ? [{ Effect: "Allow" as const, Action: "s3:GetBucketLocation", Resource: bucketArn }] : []),
        { Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn },
    ];
}

export function writeStatements(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string>, prefixes: string[], allowDelete = false): PolicyStatement[] {
    return [
        {
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:GetObject", ...(allowDelete ? ["s3:DeleteObject"] : [])],
            Resource: prefixes.map((p) => pulumi.interpolate`${bucketArn}/${p}*`),
        },
        { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"], Resource: bucketArn },
        { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
    ];
}
