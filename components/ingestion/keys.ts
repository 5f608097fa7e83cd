/**
 * Encryption and logs of the front door: the component's KMS key (rotation on,
 * usable by CloudWatch Logs for this component's log groups only) unless
 * `kmsKeyArn` is given, the service's log group, the VPC flow logs (created VPC
 * only) and the key store secret (hashed per-source ingestion keys; the ops
 * command owns its content). Children of the IngestionService (same names and
 * parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { vpcFlowLogs } from "../common/flowLogs";
import { policyDocument } from "../common/iam";
import type { IngestionSettings } from "./settings";

/** The key store's initial document (the service's key-store format, version 1, no keys). */
export const INITIAL_KEY_STORE = '{"version":1,"keys":[]}';

/** Log group names of the component: the service's, WAF's (the name must start with `aws-waf-logs-`) and the flow logs'. */
export function ingestionLogGroupNames(name: string): { service: string; waf: string; flowLogs: string; wafAclName: string } {
    const wafAclName = `${pulumi.getStack()}-${name}`;
    return { service: `/ecs/${name}`, waf: `aws-waf-logs-${wafAclName}`, flowLogs: `/vpc/${name}/flow-logs`, wafAclName };
}

export interface IngestionKeys {
    readonly key?: aws.kms.Key;
    readonly keyArn: pulumi.Input<string>;
    readonly logGroup: aws.cloudwatch.LogGroup;
}

export function ingestionKeyAndLogs(scope: pulumi.Resource, name: string, region: string, accountId: pulumi.Output<string>, s: IngestionSettings, o: { kmsKeyArn?: pulumi.Input<string>; createsVpc: boolean }): IngestionKeys {
    const parent = { parent: scope };
    const names = ingestionLogGroupNames(name);
    const logGroupNames = [names.service, names.waf, ...(o.createsVpc ? [names.flowLogs] : [])];
    let key: aws.kms.Key | undefined;
    let keyArn: pulumi.Input<string>;
    if (o.kmsKeyArn !== undefined) {
        keyArn = o.kmsKeyArn;
    } else {
        key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `${name}: ingestion service logs, WAF and flow logs, container images, key store`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: policyDocument([
                    { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
                    {
                        Sid: "CloudWatchLogsUse",
                        Effect: "Allow",
                        Principal: { Service: `logs.${region}.amazonaws.com` },
                        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                        Resource: "*",
                        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": logGroupNames.map((g) => pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:${g}`) } },
                    },
                ]),
                tags: s.tags,
            },
            parent,
        );
        keyArn = key.arn;
    }
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: names.service, retentionInDays: s.logRetentionDays, kmsKeyId: keyArn, tags: s.tags }, parent);
    return { key, keyArn, logGroup };
}

/** VPC flow logs (ALL traffic) of the created VPC to a KMS-encrypted log group. */
export function ingestionFlowLogs(scope: pulumi.Resource, name: string, region: string, accountId: pulumi.Output<string>, s: IngestionSettings, vpc: aws.ec2.Vpc, keyArn: pulumi.Input<string>) {
    const logGroupName = ingestionLogGroupNames(name).flowLogs;
    return vpcFlowLogs(
        name,
        {
            vpcId: vpc.id,
            logGroupName,
            retentionInDays: s.flowLogRetentionDays,
            kmsKeyArn: keyArn,
            accountId,
            region,
            roleDescription: `${name}: VPC flow logs delivery to ${logGroupName}`,
            nameTag: `${name}-flow-log`,
            tags: s.tags,
        },
        { parent: scope },
    );
}

/** The key store: `<stack>-<name>-ingest-keys` with an initial version whose string is ignored afterwards. */
export function ingestionKeyStore(scope: pulumi.Resource, name: string, s: IngestionSettings, keyArn: pulumi.Input<string>): aws.secretsmanager.Secret {
    const secret = new aws.secretsmanager.Secret(
        `${name}-ingest-keys`,
        {
            name: `${pulumi.getStack()}-${name}-ingest-keys`,
            description: `${name}: ingestion API keys per source, stored as hashes (managed by the ops command)`,
            kmsKeyId: keyArn,
            recoveryWindowInDays: 30,
            tags: {
                ...s.tags,
                // Not a credential: the document holds SHA-256 hashes; the keys themselves rotate with `npm run ops -- keys rotate` (policies/RULES.md, exemptions).
                [`policy-exempt:secret-rotation`]: "holds only SHA-256 hashes of the ingestion keys; keys rotate with the ops keys command",
                [`policy-exempt:secret-rotation:expires`]: "2027-12-01",
            },
        },
        { parent: scope },
    );
    new aws.secretsmanager.SecretVersion(
        `${name}-ingest-keys`,
        {
            secretId: secret.id,
            secretString: INITIAL_KEY_STORE,
        },
        { parent: scope, ignoreChanges: ["secretString"] },
    );
    return secret;
}
