/** Reading IAM policy documents out of the resources that carry them. */
import { list, parsePolicy, PolicyStatementJson } from "./util";

/** Identity-policy resources and the prop holding their document. */
export const IDENTITY_POLICY_TYPES: Record<string, string> = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
};

/** Resource-policy resources and the prop holding their document. */
export const RESOURCE_POLICY_TYPES: Record<string, string> = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
};

/** Identity documents of a resource: its policy, or a role's inline policies. */
export function identityDocuments(type: string, props: Record<string, any>): { label: string; statements: PolicyStatementJson[] }[] {
    if (type === "aws:iam/role:Role") {
        const inline = Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
        return inline
            .map((p: any, i: number) => ({ label: `inline policy ${JSON.stringify(p?.name ?? String(i))}`, doc: parsePolicy(p?.policy) }))
            .filter((x: any) => x.doc)
            .map((x: any) => ({ label: x.label, statements: x.doc.Statement }));
    }
    const key = IDENTITY_POLICY_TYPES[type];
    const doc = key ? parsePolicy(props[key]) : null;
    return doc ? [{ label: "policy", statements: doc.Statement }] : [];
}

export function actions(s: PolicyStatementJson): string[] {
    return list(s.Action);
}

/** `*` or `service:*`. */
export function isWildcardAction(a: string): boolean {
    return a === "*" || /^[a-z0-9-]+:\*$/i.test(a);
}

/** Services whose actions read or write platform data. */
export const DATA_SERVICES = ["s3", "kinesis", "firehose", "kms", "sqs", "sns", "secretsmanager", "dynamodb", "rds-data", "glue", "athena", "states", "lambda", "logs"];

/**
 * Actions of data services that do not support resource-level permissions and
 * must use `Resource: "*"` (AWS Service Authorization Reference).
 */
export const ACCOUNT_LEVEL_ACTIONS = new Set(
    [
        "s3:ListAllMyBuckets",
        "s3:GetAccountPublicAccessBlock",
        "s3:ListAccessPoints",
        "kinesis:ListStreams",
        "kinesis:DescribeLimits",
        "kinesis:DescribeAccountSettings",
        "firehose:ListDeliveryStreams",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:CreateKey",
        "kms:GenerateRandom",
        "sqs:ListQueues",
        "sns:ListTopics",
        "sns:ListSubscriptions",
        "sns:GetSMSAttributes",
        "secretsmanager:ListSecrets",
        "secretsmanager:GetRandomPassword",
        "secretsmanager:BatchGetSecretValue",
        "dynamodb:ListTables",
        "athena:ListWorkGroups",
        "athena:ListDataCatalogs",
        "states:ListStateMachines",
        "states:ListActivities",
        "lambda:ListFunctions",
        "lambda:ListEventSourceMappings",
        "lambda:GetAccountSettings",
        "logs:DescribeLogGroups",
        "logs:DescribeDestinations",
        "logs:DescribeQueryDefinitions",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
    ].map((a) => a.toLowerCase()),
);

/** Data actions (service in DATA_SERVICES, not an account-level action). */
export function isDataAction(a: string): boolean {
    if (a === "*") return true;
    const [svc] = a.toLowerCase().split(":");
    return DATA_SERVICES.includes(svc) && !ACCOUNT_LEVEL_ACTIONS.has(a.toLowerCase());
}
