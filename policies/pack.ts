/**
 * The flightstream policy pack: every rule, in one exported list, plus the
 * adaptation to `@pulumi/policy` policies (exemptions honoured). Importing this
 * module never starts the policy gRPC server; `index.ts` does, when Pulumi runs the pack.
 */
import type { EnforcementLevel, Policy, PolicyResource, ReportViolation, ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { checkExemption } from "./lib/exemptions";
import { Rule } from "./lib/rule";
import { isTaggableType, ownTags, Tags } from "./lib/util";

import requiredTags from "./rules/tagging/RequiredTags";
import kinesisStreamCmkEncryption from "./rules/kinesis/KinesisStreamCmkEncryption";
import kinesisStreamRetention from "./rules/kinesis/KinesisStreamRetention";
import kinesisStreamIteratorAgeAlarm from "./rules/kinesis/KinesisStreamIteratorAgeAlarm";
import firehoseCmkEncryption from "./rules/firehose/FirehoseCmkEncryption";
import s3BucketCmkEncryption from "./rules/s3/S3BucketCmkEncryption";
import s3BucketPublicAccessBlock from "./rules/s3/S3BucketPublicAccessBlock";
import s3BucketTlsOnly from "./rules/s3/S3BucketTlsOnly";
import auroraStorageCmkEncryption from "./rules/rds/AuroraStorageCmkEncryption";
import auroraProdDeletionProtection from "./rules/rds/AuroraProdDeletionProtection";
import auroraProdBackupRetention from "./rules/rds/AuroraProdBackupRetention";
import secretCmkEncryption from "./rules/secretsmanager/SecretCmkEncryption";
import snsTopicCmkEncryption from "./rules/sns/SnsTopicCmkEncryption";
import sqsQueueCmkEncryption from "./rules/sqs/SqsQueueCmkEncryption";
import logGroupCmkEncryption from "./rules/cloudwatch/LogGroupCmkEncryption";
import logGroupRetention from "./rules/cloudwatch/LogGroupRetention";
import alarmHasAction from "./rules/cloudwatch/AlarmHasAction";
import kmsKeyRotation from "./rules/kms/KmsKeyRotation";
import noPublicPrincipal from "./rules/iam/NoPublicPrincipal";
import iamNoWildcardActions from "./rules/iam/NoWildcardActions";
import iamNoWildcardResources from "./rules/iam/NoWildcardResources";
import iamNoFullAccessManagedPolicies from "./rules/iam/NoFullAccessManagedPolicies";
import sfnLogging from "./rules/sfn/StepFunctionsLogging";
import sfnTracing from "./rules/sfn/StepFunctionsTracing";
import kinesisMappingFailureHandling from "./rules/lambda/KinesisMappingFailureHandling";
import lambdaSupportedRuntime from "./rules/lambda/LambdaSupportedRuntime";
import albListenerHttpsOnly from "./rules/elb/AlbListenerHttpsOnly";
import albListenerModernTls from "./rules/elb/AlbListenerModernTls";
import albAccessLogs from "./rules/elb/AlbAccessLogs";
import albDropInvalidHeaders from "./rules/elb/AlbDropInvalidHeaders";
import ecsServiceNoPublicIp from "./rules/ecs/EcsServiceNoPublicIp";
import ecNoOpenIngress from "./rules/ec2/SecurityGroupOpenIngress";
import ecNoAdminPorts from "./rules/ec2/SecurityGroupNoAdminPorts";
import ecDefaultSgClosed from "./rules/ec2/DefaultSecurityGroupClosed";
import vpcFlowLogs from "./rules/ec2/VpcFlowLogs";
import iamServiceTrustConfusedDeputy from "./rules/iam/ServiceTrustConfusedDeputy";
import resourcePolicyConfusedDeputy from "./rules/iam/ResourcePolicyConfusedDeputy";
import iamCrossAccountTrustCondition from "./rules/iam/CrossAccountTrustCondition";
import rdsNoPublicAccess from "./rules/rds/RdsNoPublicAccess";
import rdsIamAuthentication from "./rules/rds/RdsIamAuthentication";
import rdsManagedMasterPassword from "./rules/rds/RdsNoPlaintextPassword";
import sqsQueueTlsOnly from "./rules/sqs/SqsQueueTlsOnly";
import snsTopicTlsOnly from "./rules/sns/SnsTopicTlsOnly";
import ecrNoPublicRepository from "./rules/ecr/EcrNoPublicRepository";
import ecrImmutableTags from "./rules/ecr/EcrImmutableTags";
import ecrScanOnPush from "./rules/ecr/EcrScanOnPush";
import ecrCmkEncryption from "./rules/ecr/EcrCmkEncryption";
import noSecretsInEnvironment from "./rules/lambda/NoSecretsInEnvironment";
import lambdaFunctionUrlAuth from "./rules/lambda/FunctionUrlAuth";
import apiRouteAuthorization from "./rules/apigateway/ApiRouteAuthorization";
import apiStageAccessLogs from "./rules/apigateway/ApiStageAccessLogs";
import albWaf from "./rules/elb/AlbWaf";
import albProdDeletionProtection from "./rules/elb/AlbProdDeletionProtection";
import athenaWorkgroupEncryption from "./rules/athena/AthenaWorkgroupEncryption";
import secretRotation from "./rules/secretsmanager/SecretRotation";
import auditLogRetention from "./rules/cloudwatch/AuditLogRetention";
import s3BucketAccessLogging from "./rules/s3/S3BucketAccessLogging";

export const PACK_NAME = "flightstream";

/** Every rule of the pack, in report order. */
export const policies: Rule[] = [
    requiredTags,
    kinesisStreamCmkEncryption,
    firehoseCmkEncryption,
    s3BucketCmkEncryption,
    auroraStorageCmkEncryption,
    secretCmkEncryption,
    snsTopicCmkEncryption,
    sqsQueueCmkEncryption,
    logGroupCmkEncryption,
    kmsKeyRotation,
    s3BucketPublicAccessBlock,
    s3BucketTlsOnly,
    noPublicPrincipal,
    iamNoWildcardActions,
    iamNoWildcardResources,
    iamNoFullAccessManagedPolicies,
    kinesisStreamRetention,
    kinesisStreamIteratorAgeAlarm,
    alarmHasAction,
    auroraProdDeletionProtection,
    auroraProdBackupRetention,
    sfnLogging,
    sfnTracing,
    kinesisMappingFailureHandling,
    lambdaSupportedRuntime,
    albListenerHttpsOnly,
    albListenerModernTls,
    albAccessLogs,
    albDropInvalidHeaders,
    ecsServiceNoPublicIp,
    logGroupRetention,
    ecNoOpenIngress,
    ecNoAdminPorts,
    ecDefaultSgClosed,
    vpcFlowLogs,
    iamServiceTrustConfusedDeputy,
    resourcePolicyConfusedDeputy,
    iamCrossAccountTrustCondition,
    rdsNoPublicAccess,
    rdsIamAuthentication,
    rdsManagedMasterPassword,
    sqsQueueTlsOnly,
    snsTopicTlsOnly,
    ecrNoPublicRepository,
    ecrImmutableTags,
    ecrScanOnPush,
    ecrCmkEncryption,
    noSecretsInEnvironment,
    lambdaFunctionUrlAuth,
    apiRouteAuthorization,
    apiStageAccessLogs,
    albWaf,
    albProdDeletionProtection,
    athenaWorkgroupEncryption,
    secretRotation,
    auditLogRetention,
    s3BucketAccessLogging,
];

export function ruleById(id: string): Rule {
    const r = policies.find((p) => p.id === id);
    if (!r) throw new Error(`Unknown policy "${id}"; known policies: ${policies.map((p) => p.id).join(", ")}.`);
    return r;
}

/** JSON schema of a rule's config (for `configSchema`), from its defaults. */
function configSchema(rule: Rule): Policy["configSchema"] {
    if (!rule.config) return undefined;
    const properties: Record<string, any> = {};
    for (const [k, v] of Object.entries(rule.config)) {
        properties[k] = Array.isArray(v) ? { type: "array", items: { type: "string" }, default: v } : { type: typeof v as "number" | "string" | "boolean", default: v };
    }
    return { properties };
}

/**
 * `@pulumi/policy` policies for the engine. A violation on a resource carrying a
 * valid exemption (see lib/exemptions.ts) is reported as advisory, prefixed
 * `EXEMPT until <date> (<reason>):`, so it stays visible without blocking.
 */
export function pulumiPolicies(now: () => Date = () => new Date()): (ResourceValidationPolicy | StackValidationPolicy)[] {
    return policies.map((rule) => {
        const base = {
            name: rule.id,
            description: rule.description,
            enforcementLevel: rule.enforcementLevel as EnforcementLevel,
            configSchema: configSchema(rule),
        };
        const exemptOr = (report: ReportViolation, tags: Tags, message: string, urn?: string) => {
            const ex = checkExemption(tags, rule.id, now());
            if (ex.status === "valid") {
                (report as any)({ message: `EXEMPT until ${ex.expires} (${ex.reason}): ${message}`, enforcementLevel: "advisory", urn });
            } else {
                report(ex.status === "none" ? message : `${message} (exemption not honoured: ${ex.problem})`, urn);
            }
        };
        if (rule.kind === "resource") {
            const wrap = (v: ResourceValidation): ResourceValidation => {
                const w: ResourceValidation = (args, report) => v(args, (message) => exemptOr(report, ownTags(args.props), message));
                (w as any).__pulumiType = (v as any).__pulumiType;
                return w;
            };
            const validateResource = Array.isArray(rule.validateResource) ? rule.validateResource.map(wrap) : wrap(rule.validateResource);
            return { ...base, validateResource } as ResourceValidationPolicy;
        }
        return {
            ...base,
            validateStack: (args, report) =>
                rule.validateStack(args, (message, urn) => {
                    const target = urn ? args.resources.find((r) => r.urn === urn) : undefined;
                    exemptOr(report, target ? exemptionTagsOf(target) : {}, message, urn);
                }),
        } as StackValidationPolicy;
    });
}

/** Tags that can exempt a stack resource: its own, or its nearest taggable ancestor's. */
function exemptionTagsOf(r: PolicyResource): Tags {
    for (let cur: PolicyResource | undefined = r; cur; cur = cur.parent) {
        if (isTaggableType(cur.type)) return ownTags(cur.props ?? {});
    }
    return {};
}
