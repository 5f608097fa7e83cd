/**
 * The public rule sets this pack is compared against, rule by rule (rendered
 * into RULES.md by rulesTable.ts; tests keep it consistent with the rules' metadata).
 */

/** cdk-nag version the AwsSolutions list was taken from (cdklabs/cdk-nag RULES.md). */
export const CDK_NAG_SOURCE = "cdk-nag RULES.md (AwsSolutions pack), main branch as of 2026";
/** `@pulumi/awsguard` version compared. */
export const AWSGUARD_VERSION = "0.3.1";

export interface CdkNagRow {
    readonly id: string;
    /** cdk-nag's cause, shortened. */
    readonly cause: string;
    /** Our rules covering it (empty: not covered). */
    readonly ours: string[];
    /** Why not covered, or how ours differs. */
    readonly note: string;
}

/**
 * Every AwsSolutions rule that applies to a resource type the platform uses
 * (API Gateway, Athena, CloudWatch, EC2/VPC, ECR, ECS, ELB, Glue, IAM, Kinesis,
 * Firehose, KMS, Lambda, RDS, S3, Secrets Manager, SNS, SQS, Step Functions).
 */
export const CDK_NAG: CdkNagRow[] = [
    { id: "AwsSolutions-APIG1", cause: "API without access logging", ours: ["apigateway-stage-access-logs"], note: "" },
    { id: "AwsSolutions-APIG2", cause: "REST API without request validation", ours: [], note: "REST APIs only; the platform's API is an HTTP API (apigatewayv2), and the insights handler validates its query parameters itself." },
    { id: "AwsSolutions-APIG3", cause: "REST API stage without WAFv2", ours: [], note: "REST APIs only (HTTP APIs cannot take a web ACL); the HTTP API requires IAM-signed requests. WAF on the internet-facing ALB is alb-waf." },
    { id: "AwsSolutions-APIG4", cause: "API without authorization", ours: ["apigateway-route-authorization"], note: "" },
    { id: "AwsSolutions-APIG6", cause: "REST API stage without execution logging for all methods", ours: [], note: "REST APIs only; HTTP APIs have access logs (apigateway-stage-access-logs), not execution logs." },
    {
        id: "AwsSolutions-EC23",
        cause: "Security group allows 0.0.0.0/0 or ::/0 inbound",
        ours: ["ec2-no-open-ingress", "ec2-no-ssh-rdp-from-anywhere"],
        note: "Ours allows tcp 443 exactly on a group attached to an internet-facing load balancer (the front door), which EC23 flags too.",
    },
    { id: "AwsSolutions-EC27", cause: "Security group without description", ours: [], note: "Not a security control; every group here has a description by construction (the components set one)." },
    { id: "AwsSolutions-ECR1", cause: "ECR repository allows open access", ours: ["ecr-no-public-repository"], note: "" },
    {
        id: "AwsSolutions-ECS2",
        cause: "Task definition specifies environment variables directly",
        ours: ["no-secrets-in-environment"],
        note: "ECS2 flags any environment variable; ours flags the ones that are secrets (by name or value) in ECS and Lambda, since plain settings (stream name, port) belong in the environment.",
    },
    { id: "AwsSolutions-ECS4", cause: "ECS cluster without Container Insights", ours: [], note: "Operational metric, not a control; the ingestion service publishes its own metrics and alarms." },
    {
        id: "AwsSolutions-ECS7",
        cause: "Container without logging",
        ours: [],
        note: "Covered by construction: IngestionService always configures the awslogs driver to its encrypted log group; a rule is a candidate if teams write task definitions.",
    },
    { id: "AwsSolutions-ELB1", cause: "Classic load balancer for HTTP/HTTPS", ours: [], note: "The platform uses no Classic Load Balancer." },
    { id: "AwsSolutions-ELB2", cause: "ELB without access logs", ours: ["alb-access-logs"], note: "" },
    { id: "AwsSolutions-ELB3", cause: "CLB without connection draining", ours: [], note: "Classic Load Balancers only." },
    { id: "AwsSolutions-ELB4", cause: "CLB without cross-zone load balancing", ours: [], note: "Classic Load Balancers only." },
    { id: "AwsSolutions-ELB5", cause: "CLB listener not secure", ours: [], note: "Classic Load Balancers only; ALB listeners are alb-listener-https-only." },
    { id: "AwsSolutions-GL1", cause: "Glue crawler/job without encrypted CloudWatch logs", ours: [], note: "The platform has no Glue crawlers or jobs (catalog databases and tables only)." },
    { id: "AwsSolutions-GL3", cause: "Glue job without encrypted bookmarks", ours: [], note: "The platform has no Glue jobs." },
    { id: "AwsSolutions-IAM4", cause: "AWS managed policies", ours: ["iam-no-full-access-managed-policies"], note: "Ours flags *FullAccess* and AdministratorAccess only; narrow AWS managed policies are allowed." },
    { id: "AwsSolutions-IAM5", cause: "Wildcard permissions", ours: ["iam-no-wildcard-actions", "iam-no-wildcard-resources"], note: "" },
    { id: "AwsSolutions-KDF1", cause: "Firehose without server-side encryption", ours: ["firehose-cmk-encryption"], note: "Ours requires a customer-managed key." },
    { id: "AwsSolutions-KDS1", cause: "Kinesis stream without server-side encryption", ours: ["kinesis-stream-cmk-encryption"], note: "" },
    { id: "AwsSolutions-KDS3", cause: "Kinesis stream with the aws/kinesis key", ours: ["kinesis-stream-cmk-encryption"], note: "" },
    { id: "AwsSolutions-KMS5", cause: "Symmetric key without rotation", ours: ["kms-key-rotation"], note: "" },
    { id: "AwsSolutions-L1", cause: "Lambda not on the latest runtime", ours: ["lambda-supported-runtime"], note: "Ours requires a runtime AWS still supports, not the newest (upgrades are planned, not forced by a release)." },
    { id: "AwsSolutions-RDS2", cause: "RDS instance or Aurora cluster without storage encryption", ours: ["aurora-storage-cmk-encryption"], note: "Ours requires a customer-managed key." },
    { id: "AwsSolutions-RDS3", cause: "Non-Aurora instance without Multi-AZ", ours: [], note: "Availability, not security; the platform runs Aurora (storage replicated across three AZs)." },
    { id: "AwsSolutions-RDS6", cause: "Aurora cluster without IAM database authentication", ours: ["rds-iam-authentication"], note: "Ours also covers DB instances." },
    { id: "AwsSolutions-RDS8", cause: "RDS DB security group allows 0.0.0.0/0", ours: ["ec2-no-open-ingress"], note: "DB security groups (EC2-Classic) no longer exist; VPC security groups are checked by ec2-no-open-ingress." },
    { id: "AwsSolutions-RDS10", cause: "RDS instance or cluster without deletion protection", ours: ["aurora-prod-deletion-protection"], note: "Ours applies in production only, so dev stacks can be torn down." },
    { id: "AwsSolutions-RDS11", cause: "Default database port", ours: [], note: "Obscurity, not a control: the database has no ingress at all (the Data API needs none)." },
    { id: "AwsSolutions-RDS13", cause: "RDS instance without automated backups", ours: ["aurora-prod-backup-retention"], note: "Ours requires 14 days in production (config minimumDays)." },
    { id: "AwsSolutions-RDS14", cause: "Aurora MySQL without Backtrack", ours: [], note: "Aurora MySQL only; the platform runs Aurora PostgreSQL." },
    { id: "AwsSolutions-RDS16", cause: "Aurora MySQL serverless without log exports", ours: [], note: "Aurora MySQL only." },
    { id: "AwsSolutions-S1", cause: "S3 bucket without server access logs", ours: ["s3-bucket-access-logging"], note: "Access-log buckets themselves are exempt (logging them to themselves loops)." },
    { id: "AwsSolutions-S2", cause: "S3 bucket without public access blocked", ours: ["s3-bucket-public-access-block"], note: "" },
    { id: "AwsSolutions-S5", cause: "Static website bucket open or without OAI", ours: [], note: "The platform has no static website buckets; public principals are no-public-principal." },
    { id: "AwsSolutions-S10", cause: "S3 bucket without SSL-only policy", ours: ["s3-bucket-tls-only"], note: "" },
    { id: "AwsSolutions-SF1", cause: "Step Function not logging ALL", ours: ["sfn-logging-all"], note: "" },
    { id: "AwsSolutions-SF2", cause: "Step Function without X-Ray", ours: ["sfn-tracing"], note: "" },
    { id: "AwsSolutions-SMG4", cause: "Secret without rotation", ours: ["secret-rotation"], note: "" },
    { id: "AwsSolutions-SNS3", cause: "SNS topic without SSL-only publishing", ours: ["sns-topic-tls-only"], note: "" },
    { id: "AwsSolutions-SQS2", cause: "SQS queue without server-side encryption", ours: ["sqs-queue-cmk-encryption"], note: "Ours requires a customer-managed key." },
    { id: "AwsSolutions-SQS3", cause: "SQS queue that is not a DLQ and has none", ours: [], note: "Every queue of the platform is itself a dead-letter or failure destination." },
    { id: "AwsSolutions-SQS4", cause: "SQS queue without SSL-only policy", ours: ["sqs-queue-tls-only"], note: "" },
    { id: "AwsSolutions-VPC3", cause: "Network ACL used", ours: [], note: "Advice against NACLs, not a control; the platform uses security groups only." },
    { id: "AwsSolutions-VPC7", cause: "VPC without flow log", ours: ["vpc-flow-logs"], note: "" },
];

export type AwsGuardStatus = "covered" | "stricter" | "left out";

export interface AwsGuardRow {
    readonly name: string;
    readonly status: AwsGuardStatus;
    readonly ours: string[];
    readonly note: string;
}

/** Every policy of `@pulumi/awsguard` 0.3.1. */
export const AWSGUARD: AwsGuardRow[] = [
    { name: "access-keys-rotated", status: "left out", ours: [], note: "Checks live IAM users' keys (an invoke at preview time); the platform creates no IAM users or access keys." },
    { name: "acm-certificate-expiration", status: "left out", ours: [], note: "Applies to imported certificates; the platform's certificates are ACM-issued and renew themselves." },
    { name: "alb-http-to-https-redirection", status: "covered", ours: ["alb-listener-https-only"], note: "" },
    { name: "apigateway-endpoint-type", status: "left out", ours: [], note: "REST API endpoint type; the platform's API is an HTTP API." },
    { name: "apigateway-method-cached-and-encrypted", status: "left out", ours: [], note: "REST API caching; HTTP APIs have no cache, and insights answers must be fresh." },
    { name: "apigateway-stage-cached", status: "left out", ours: [], note: "REST API caching (a cost and latency setting, not a control)." },
    { name: "cmk-backing-key-rotation-enabled", status: "covered", ours: ["kms-key-rotation"], note: "" },
    { name: "dynamodb-table-encryption-enabled", status: "left out", ours: [], note: "The platform has no DynamoDB tables." },
    { name: "ec2-instance-detailed-monitoring-enabled", status: "left out", ours: [], note: "The platform has no EC2 instances (Fargate and Lambda)." },
    { name: "ec2-instance-no-public-ip", status: "left out", ours: ["ecs-service-no-public-ip"], note: "No EC2 instances; the equivalent for Fargate tasks is ecs-service-no-public-ip." },
    { name: "ec2-volume-inuse", status: "left out", ours: [], note: "No EBS volumes." },
    { name: "elasticsearch-encrypted-at-rest", status: "left out", ours: [], note: "No OpenSearch/Elasticsearch domains." },
    { name: "elasticsearch-in-vpc-only", status: "left out", ours: [], note: "No OpenSearch/Elasticsearch domains." },
    { name: "elb-deletion-protection-enabled", status: "stricter", ours: ["alb-prod-deletion-protection"], note: "Mandatory in production; awsguard's is advisory and also fires in dev, where stacks must be destroyable." },
    { name: "elb-logging-enabled", status: "covered", ours: ["alb-access-logs"], note: "" },
    { name: "encrypted-volumes", status: "left out", ours: [], note: "No EBS volumes." },
    { name: "efs-encrypted", status: "left out", ours: [], note: "No EFS file systems." },
    { name: "mfa-enabled-for-iam-console-access", status: "left out", ours: [], note: "Checks live IAM users; the platform creates none (people sign in through SSO)." },
    { name: "rds-instance-backup-enabled", status: "stricter", ours: ["aurora-prod-backup-retention"], note: "Ours requires 14 days in production (config), for clusters and instances; awsguard accepts any retention." },
    { name: "rds-instance-multi-az-enabled", status: "left out", ours: [], note: "Availability for non-Aurora instances; the platform runs Aurora (storage replicated across three AZs)." },
    { name: "rds-instance-public-access", status: "covered", ours: ["rds-no-public-access"], note: "Ours also covers Aurora cluster instances." },
    { name: "rds-storage-encrypted", status: "stricter", ours: ["aurora-storage-cmk-encryption"], note: "Ours requires a customer-managed key and covers clusters too." },
    { name: "redshift-cluster-configuration", status: "left out", ours: [], note: "No Redshift clusters." },
    { name: "redshift-cluster-maintenance-settings", status: "left out", ours: [], note: "No Redshift clusters." },
    { name: "redshift-cluster-public-access", status: "left out", ours: [], note: "No Redshift clusters." },
    { name: "s3-bucket-logging-enabled", status: "covered", ours: ["s3-bucket-access-logging"], note: "Ours exempts access-log buckets themselves." },
];
