/**
 * The ALB access-log bucket: public access blocked, BucketOwnerEnforced, SSE-S3
 * (ALB log delivery does not support SSE-KMS), versioning, lifecycle expiry, and a
 * policy that lets only ELB log delivery write under `alb/AWSLogs/<account>/`,
 * TLS only. Children of the IngestionService (same names and parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, policyDocument } from "../common/iam";
import { ELB_LOG_DELIVERY_ACCOUNTS } from "./network";
import type { IngestionSettings } from "./settings";

export interface IngestionAccessLogs {
    readonly bucket: aws.s3.Bucket;
    /** The ALB depends on it (delivery is checked when access logs are enabled). */
    readonly policy: aws.s3.BucketPolicy;
}

export function ingestionAccessLogs(scope: pulumi.Resource, name: string, region: string, accountId: pulumi.Output<string>, s: IngestionSettings): IngestionAccessLogs {
    const parent = { parent: scope };
    // `Purpose: access-logs` tells the policy pack this bucket is exempt from SSE-KMS by design.
    const bucket = new aws.s3.Bucket(`${name}-alb-logs`, { forceDestroy: false, tags: { ...s.tags, Purpose: "access-logs" } }, parent);
    new aws.s3.BucketPublicAccessBlock(`${name}-alb-logs`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, parent);
    new aws.s3.BucketOwnershipControls(`${name}-alb-logs`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-alb-logs`, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, parent);
    new aws.s3.BucketVersioning(`${name}-alb-logs`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-alb-logs`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-access-logs",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days: s.accessLogRetentionDays },
                    noncurrentVersionExpiration: { noncurrentDays: 1 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        },
        parent,
    );
    const logObjects = pulumi.interpolate`${bucket.arn}/alb/AWSLogs/${accountId}/*`;
    const elbAccount = ELB_LOG_DELIVERY_ACCOUNTS[region];
    // The service principal carries the confused-deputy conditions (this account, a load
    // balancer of this account and region; the ALB's own ARN would be a cycle: the ALB
    // waits for this policy). The legacy per-region ELB account (regions in
    // ELB_LOG_DELIVERY_ACCOUNTS) writes as another account and sends neither key, so its
    // statement cannot carry them: it stays limited to this bucket's AWSLogs/<account>/ prefix.
    const policy = new aws.s3.BucketPolicy(
        `${name}-alb-logs`,
        {
            bucket: bucket.id,
            policy: policyDocument([
                {
                    Sid: "ElbLogDelivery",
                    Effect: "Allow",
                    Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: logObjects,
                    Condition: {
                        StringEquals: { "aws:SourceAccount": accountId },
                        ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/*` },
                    },
                },
                ...(elbAccount !== undefined ? [{ Sid: "ElbLogDeliveryAccount", Effect: "Allow" as const, Principal: { AWS: `arn:aws:iam::${elbAccount}:root` }, Action: "s3:PutObject", Resource: logObjects }] : []),
                denyInsecureTransport(bucket.arn),
            ]),
        },
        parent,
    );
    return { bucket, policy };
}
