/**
 * IAM policy documents as plain JSON built from typed statements (no
 * `aws.iam.getPolicyDocument` invokes, so the offline plan sees the exact
 * document), plus the grant helper every data component uses.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type Principal = "*" | { AWS?: pulumi.Input<string> | pulumi.Input<string>[]; Service?: string | string[]; Federated?: string };

export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action?: string | string[];
    readonly NotAction?: string | string[];
    readonly Resource?: pulumi.Input<string> | pulumi.Input<string>[];
    readonly NotResource?: pulumi.Input<string> | pulumi.Input<string>[];
    readonly Principal?: Principal;
    readonly NotPrincipal?: Principal;
    readonly Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[] | boolean>>;
}

/** `{"Version":"2012-10-17","Statement":[...]}` with all inputs resolved. */
export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Account root principal ARN for cross-account statements. */
export function accountRoot(accountId: pulumi.Input<string>, partition = "aws"): pulumi.Output<string> {
    return pulumi.interpolate`arn:${partition}:iam::${accountId}:root`;
}

/**
 * Trust policy for a service principal. `sourceAccount` (confused-deputy guard)
 * is added as `aws:SourceAccount` when given.
 */
export function serviceTrustPolicy(service: string | string[], sourceAccount?: pulumi.Input<string>): pulumi.Output<string> {
    return policyDocument([
        {
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            ...(sourceAccount !== undefined ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {}),
        },
    ]);
}

/** Trust policy for IAM principals (roles or account roots) of other accounts. */
export function principalTrustPolicy(principals: pulumi.Input<string>[], externalId?: pulumi.Input<string>): pulumi.Output<string> {
    return policyDocument([
        {
            Effect: "Allow",
            Principal: { AWS: principals },
            Action: "sts:AssumeRole",
            ...(externalId !== undefined ? { Condition: { StringEquals: { "sts:ExternalId": externalId } } } : {}),
        },
    ]);
}

/** Statements every bucket policy carries: TLS only. */
export function denyInsecureTransport(bucketArn: pulumi.Input<string>): PolicyStatement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": false } },
    };
}

/**
 * A queue policy document that denies every SQS action over plain HTTP, for
 * everyone (the policy pack's `sqs-queue-tls-only`), plus `statements`.
 */
export function tlsOnlyQueuePolicy(queueArn: pulumi.Input<string>, statements: PolicyStatement[] = []): pulumi.Output<string> {
    return policyDocument([...statements, { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } } }]);
}

/**
 * A topic policy document that denies publishing over plain HTTP, for
 * everyone (the policy pack's `sns-topic-tls-only`), plus `statements`.
 */
export function tlsOnlyTopicPolicy(topicArn: pulumi.Input<string>, statements: PolicyStatement[] = []): pulumi.Output<string> {
    return policyDocument([...statements, { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:SecureTransport": false } } }]);
}

/** KMS statements a principal needs to use an encrypted resource. */
export function kmsUseStatement(keyArn: pulumi.Input<string>, mode: "encrypt" | "decrypt" | "both", sid?: string): PolicyStatement {
    const actions = mode === "encrypt" ? ["kms:GenerateDataKey"] : mode === "decrypt" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"];
    return { Sid: sid, Effect: "Allow", Action: actions, Resource: keyArn };
}

/**
 * Attaches an inline policy to a role. The policy is a child of the role, so it
 * is created with the role's provider, in the role's account, even when the
 * granting component lives in another account.
 */
export function grant(name: string, role: aws.iam.Role, statements: PolicyStatement[]): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(name, { role: role.name, policy: policyDocument(statements) }, { parent: role });
}
