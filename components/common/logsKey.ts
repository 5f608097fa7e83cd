/**
 * The KMS key policy CloudWatch Logs needs to encrypt a component's log
 * groups, written once: the account root administers the key; the regional
 * CloudWatch Logs service may use it only for log groups of this account
 * whose names match the given patterns (`kms:EncryptionContext:aws:logs:arn`).
 * Components whose key also protects queues or secrets pass those statements
 * as `statements`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, accountRoot, policyDocument } from "./iam";

/** The actions CloudWatch Logs calls on a log group's key (the set AWS documents). */
export const LOGS_KEY_ACTIONS: readonly string[] = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"];

export interface LogsKeyPolicyArgs {
    /** Account that owns the key and the log groups. */
    readonly accountId: pulumi.Input<string>;
    /** Region of the log groups. @default - any region (service `logs.amazonaws.com`, ARN region `*`) */
    readonly region?: pulumi.Input<string>;
    /** Log group name patterns (what follows `log-group:` in the ARN) the key may encrypt. @default ["*"] - every log group of the account */
    readonly logGroups?: pulumi.Input<string>[];
    /** Further statements of the key policy (other services that use the same key). @default [] */
    readonly statements?: PolicyStatement[];
}

/** The two statements: account root administers, CloudWatch Logs uses the key for the matching log groups. */
export function logsKeyStatements(args: LogsKeyPolicyArgs): PolicyStatement[] {
    const region = args.region ?? "*";
    const arns = (args.logGroups ?? ["*"]).map((g) => pulumi.interpolate`arn:aws:logs:${region}:${args.accountId}:log-group:${g}`);
    return [
        { Sid: "AccountRootAdministers", Effect: "Allow", Principal: { AWS: accountRoot(args.accountId) }, Action: "kms:*", Resource: "*" },
        {
            Sid: "CloudWatchLogsUse",
            Effect: "Allow",
            Principal: { Service: (args.region !== undefined ? pulumi.interpolate`logs.${args.region}.amazonaws.com` : "logs.amazonaws.com") as unknown as string },
            Action: [...LOGS_KEY_ACTIONS],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": arns.length === 1 ? arns[0] : arns } },
        },
    ];
}

/** The key policy document: `logsKeyStatements` plus `statements`. */
export function logsKeyPolicy(args: LogsKeyPolicyArgs): pulumi.Output<string> {
    return policyDocument([...logsKeyStatements(args), ...(args.statements ?? [])]);
}

export interface LogsKeyArgs extends LogsKeyPolicyArgs {
    readonly description: pulumi.Input<string>;
    /** @default 30 */
    readonly deletionWindowInDays?: number;
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A rotating KMS key (child of `parent`, logical name `name`) with the logs key policy. */
export function logsKey(name: string, parent: pulumi.Resource, args: LogsKeyArgs): aws.kms.Key {
    return new aws.kms.Key(
        name,
        {
            description: args.description,
            enableKeyRotation: true,
            deletionWindowInDays: args.deletionWindowInDays ?? 30,
            policy: logsKeyPolicy(args),
            ...(args.tags !== undefined ? { tags: args.tags } : {}),
        },
        { parent },
    );
}
