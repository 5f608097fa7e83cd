/**
 * Aurora PostgreSQL Serverless v2 for real-time analytics, reached only through
 * the RDS Data API (no ingress from anywhere by default).
 *
 * Creates: aws.kms.Key + Alias (storage, master secret, performance insights and
 * the analytics log groups; rotation on), a VPC with private subnets only (or
 * uses `subnetIds`; a created VPC gets its default security group managed with
 * no rules and ALL-traffic flow logs to a KMS log group), aws.rds.SubnetGroup, aws.ec2.SecurityGroup (no ingress
 * unless `allowedSecurityGroupIds`), the PostgreSQL log group, aws.rds.Cluster
 * (engine mode provisioned, Serverless v2 scaling, Data API on, master password
 * managed in Secrets Manager under the key), `instanceCount` x
 * aws.rds.ClusterInstance (`db.serverless`) and alarms on capacity near the
 * maximum ACUs, CPU and connections.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { functionCode } from "../common/bundle";
import { PolicyStatement } from "../common/iam";
import { Grant, Grantee, applyGrant, asGrantable, isCrossAccount } from "../common/grants";
import { vpcFlowLogs } from "../common/flowLogs";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, AWS_REGION, isKnown, validator } from "../common/validation";
import { lambdaFunction } from "../common/lambda";
import { logsKey } from "../common/logsKey";
import { privateSubnetCidrs } from "./network";

/** The per-function login roles migration 0100_function_roles creates. */
export const DATABASE_ROLES = { insights: "flightstream_insights", processor: "flightstream_processor" } as const;

/** One function's database user: its own secret (under the database key), rotated by the database's rotation function. */
export interface DatabaseUser {
    readonly username: string;
    readonly secret: aws.secretsmanager.Secret;
    readonly secretArn: pulumi.Output<string>;
    readonly rotation: aws.secretsmanager.SecretRotation;
}

export interface AuroraDatabaseArgs {
    /** Account the cluster lives in (key policy). */
    readonly accountId: pulumi.Input<string>;
    /** Region of the cluster (log group key policy, availability zones). */
    readonly region: string;
    /** Minimum capacity in ACUs, 0..256 in steps of 0.5; 0 lets the cluster pause (needs a recent engine). @default 0.5 */
    readonly minCapacityAcu?: number;
    /** Maximum capacity in ACUs, 1..256 in steps of 0.5. @default 4 */
    readonly maxCapacityAcu?: number;
    /** Idle time before a cluster with 0 minimum ACUs pauses, 300..86400 s. @default 300 */
    readonly secondsUntilAutoPause?: number;
    /** Aurora PostgreSQL version; 0 minimum ACUs needs 13.15, 14.12, 15.7, 16.3 or later. @default "16.6" */
    readonly engineVersion?: string;
    /** @default "analytics" */
    readonly databaseName?: string;
    /** @default "flightstream_admin" */
    readonly masterUsername?: string;
    /** Writer plus readers (all db.serverless), 1..16. @default 1 */
    readonly instanceCount?: number;
    /** Automated backup retention, 1..35 days. @default 7 */
    readonly backupRetentionDays?: number;
    /** @default true */
    readonly deletionProtection?: boolean;
    /** Take a final snapshot when the cluster is deleted. @default true */
    readonly finalSnapshot?: boolean;
    /** Performance Insights (encrypted with the key, 7 days). @default false */
    readonly performanceInsights?: boolean;
    /** CIDR of the VPC to create (private subnets only). @default "10.20.0.0/16" (ignored with `subnetIds`) */
    readonly vpcCidr?: string;
    /** Number of private subnets (availability zones) to create. @default 3 */
    readonly subnetCount?: number;
    /** Existing private subnets instead of a new VPC (needs `vpcId`). @default - a new VPC */
    readonly subnetIds?: pulumi.Input<string>[];
    /** VPC of `subnetIds`. */
    readonly vpcId?: pulumi.Input<string>;
    /** Security groups allowed to connect on 5432 (the Data API needs none). @default [] */
    readonly allowedSecurityGroupIds?: pulumi.Input<string>[];
    /** Retention of the PostgreSQL log group. @default 30 */
    readonly logRetentionDays?: number;
    /** Retention of the VPC flow logs (audit logs: the policy pack asks for at least 365 days). @default 365 */
    readonly flowLogRetentionDays?: number;
    /** Capacity alarm fires at this share of `maxCapacityAcu`. @default 0.9 */
    readonly capacityAlarmShare?: number;
    /** CPU alarm threshold (%). @default 80 */
    readonly cpuAlarmPercent?: number;
    /** Connections alarm threshold. @default 500 */
    readonly connectionsAlarmThreshold?: number;
    /** Days between rotations of the per-function users' secrets, 1..365. @default 30 */
    readonly userSecretRotationDays?: number;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

const ENGINE = "aurora-postgresql";
/** Lowest minor per major that supports 0 minimum ACUs (auto-pause). */
const SCALE_TO_ZERO_MIN: Record<number, number> = { 13: 15, 14: 12, 15: 7, 16: 3 };

/** True when an Aurora PostgreSQL version supports 0 ACUs. */
export function supportsScaleToZero(engineVersion: string): boolean {
    const m = /^(\d+)\.(\d+)/.exec(engineVersion);
    if (!m) return false;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (major > 16) return true;
    const min = SCALE_TO_ZERO_MIN[major];
    return min !== undefined && minor >= min;
}

export class AuroraDatabase extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly keyArn: pulumi.Output<string>;
    readonly vpc?: aws.ec2.Vpc;
    /** The created VPC's default security group, managed with no rules. */
    readonly defaultSecurityGroup?: aws.ec2.DefaultSecurityGroup;
    readonly flowLog?: aws.ec2.FlowLog;
    readonly flowLogGroup?: aws.cloudwatch.LogGroup;
    readonly subnets: aws.ec2.Subnet[] = [];
    readonly subnetGroup: aws.rds.SubnetGroup;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly cluster: aws.rds.Cluster;
    readonly instances: aws.rds.ClusterInstance[] = [];
    readonly clusterIdentifier: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    /** Secrets Manager secret holding the managed master password (the Data API authenticates with it). */
    readonly secretArn: pulumi.Output<string>;
    readonly databaseName: string;
    readonly maxCapacityAcu: number;
    readonly region: string;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** Rotates the per-function users' secrets (the only function besides the migrations that reads the master secret). */
    readonly rotationFunction: aws.lambda.Function;
    readonly rotationRole: aws.iam.Role;
    private readonly rotationPermission: aws.lambda.Permission;
    private readonly rotationDays: number;
    /** `args.accountId` as given (a plain id compares with a grant principal's account at plan time). */
    private readonly accountIdArg: pulumi.Input<string>;

    private readonly settings: { capacityShare: number; cpu: number; connections: number };

    constructor(name: string, args: AuroraDatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:analytics:AuroraDatabase", name, {}, opts);
        const v = validator("AuroraDatabase", name);
        const minAcu = args.minCapacityAcu ?? 0.5;
        const maxAcu = args.maxCapacityAcu ?? 4;
        const engineVersion = args.engineVersion ?? "16.6";
        v.numberRange("minCapacityAcu", minAcu, 0, 256);
        v.numberRange("maxCapacityAcu", maxAcu, 1, 256);
        v.check("minCapacityAcu", (minAcu * 2) % 1 === 0, "a multiple of 0.5", minAcu);
        v.check("maxCapacityAcu", (maxAcu * 2) % 1 === 0, "a multiple of 0.5", maxAcu);
        v.check("maxCapacityAcu", maxAcu >= minAcu, `at least \`minCapacityAcu\` (${minAcu})`, maxAcu);
        v.pattern("engineVersion", engineVersion, /^\d+\.\d+$/, 'an Aurora PostgreSQL version such as "16.6"');
        if (minAcu === 0) {
            v.check("engineVersion", supportsScaleToZero(engineVersion), "13.15, 14.12, 15.7, 16.3 or later when `minCapacityAcu` is 0 (scale to zero)", engineVersion);
        }
        v.intRange("secondsUntilAutoPause", args.secondsUntilAutoPause, 300, 86400);
        v.intRange("instanceCount", args.instanceCount, 1, 16);
        v.intRange("backupRetentionDays", args.backupRetentionDays, 1, 35);
        v.intRange("subnetCount", args.subnetCount, 2, 6);
        v.pattern("databaseName", args.databaseName, /^[a-z][a-z0-9_]{0,62}$/, "a lower-case PostgreSQL identifier (letters, digits, _; 1 to 63 characters)");
        v.pattern("masterUsername", args.masterUsername, /^[a-z][a-z0-9_]{0,15}$/, "1 to 16 lower-case letters, digits or _ starting with a letter");
        v.pattern("region", args.region, AWS_REGION, 'an AWS region such as "eu-west-1"');
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.numberRange("capacityAlarmShare", args.capacityAlarmShare, 0.1, 1);
        v.numberRange("cpuAlarmPercent", args.cpuAlarmPercent, 1, 100);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        v.logRetentionDays("flowLogRetentionDays", args.flowLogRetentionDays);
        v.intRange("userSecretRotationDays", args.userSecretRotationDays, 1, 365);
        v.check("vpcId", (args.subnetIds === undefined) === (args.vpcId === undefined), "given together with `subnetIds` (both or neither)", args.vpcId === undefined ? "undefined" : "a VPC id");
        if (args.subnetIds !== undefined) v.exclusive({ subnetIds: args.subnetIds, vpcCidr: args.vpcCidr });
        v.check("subnetIds", args.subnetIds === undefined || args.subnetIds.length >= 2, "at least 2 subnets in different availability zones", args.subnetIds?.length);

        this.databaseName = args.databaseName ?? "analytics";
        this.maxCapacityAcu = maxAcu;
        this.region = args.region;
        this.settings = { capacityShare: args.capacityAlarmShare ?? 0.9, cpu: args.cpuAlarmPercent ?? 80, connections: args.connectionsAlarmThreshold ?? 500 };
        const p = { parent: this };
        const accountId = pulumi.output(args.accountId);
        this.accountIdArg = args.accountId;
        this.rotationDays = args.userSecretRotationDays ?? 30;
        const clusterIdentifier = `${pulumi.getStack()}-${name}`;
        const deletionProtection = args.deletionProtection ?? true;

        this.key = logsKey(`${name}-key`, this, { description: `Analytics database ${clusterIdentifier}: storage, master secret, performance insights, logs`, accountId, region: args.region });
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/flightstream/${clusterIdentifier}`, targetKeyId: this.key.keyId }, p);
        this.keyArn = this.key.arn;

        let vpcId: pulumi.Input<string>;
        let subnetIds: pulumi.Input<string>[];
        if (args.subnetIds !== undefined) {
            vpcId = args.vpcId!;
            subnetIds = args.subnetIds;
        } else {
            const cidr = args.vpcCidr ?? "10.20.0.0/16";
            let cidrs: string[];
            try {
                cidrs = privateSubnetCidrs(cidr, args.subnetCount ?? 3);
            } catch {
                v.fail("vpcCidr", "an IPv4 CIDR from /16 to /24 on its boundary", cidr);
            }
            this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: cidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: `${clusterIdentifier}-vpc` } }, p);
            // Adopted and stripped: nothing may use the default group by accident.
            this.defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: this.vpc.id, ingress: [], egress: [], tags: { Name: `${clusterIdentifier}-default (unused, no rules)` } }, p);
            const flow = vpcFlowLogs(
                name,
                {
                    vpcId: this.vpc.id,
                    logGroupName: `/vpc/${clusterIdentifier}/flow-logs`,
                    retentionInDays: args.flowLogRetentionDays ?? 365,
                    kmsKeyArn: this.key.arn,
                    accountId,
                    region: args.region,
                    roleDescription: `${clusterIdentifier}: VPC flow logs delivery`,
                    nameTag: `${clusterIdentifier}-flow-log`,
                },
                p,
            );
            this.flowLogGroup = flow.logGroup;
            this.flowLog = flow.flowLog;
            cidrs!.forEach((c, i) => {
                const az = `${args.region}${"abcdef"[i]}`;
                this.subnets.push(
                    new aws.ec2.Subnet(
                        `${name}-private-${i}`,
                        {
                            vpcId: this.vpc!.id,
                            cidrBlock: c,
                            availabilityZone: az,
                            mapPublicIpOnLaunch: false,
                            tags: { Name: `${clusterIdentifier}-private-${az}`, Tier: "private" },
                        },
                        p,
                    ),
                );
            });
            vpcId = this.vpc.id;
            subnetIds = this.subnets.map((s) => s.id);
        }

        this.subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, { name: `${clusterIdentifier}-subnets`, description: `Private subnets of ${clusterIdentifier}`, subnetIds }, p);
        const allowed = args.allowedSecurityGroupIds ?? [];
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                name: `${clusterIdentifier}-db`,
                description: `Aurora ${clusterIdentifier}: PostgreSQL only from the listed security groups (the Data API needs no ingress)`,
                vpcId,
                ingress: allowed.length > 0 ? [{ description: "PostgreSQL from allowed security groups", protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: allowed }] : [],
                egress: [],
            },
            p,
        );

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-postgresql-logs`,
            {
                name: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
                retentionInDays: args.logRetentionDays ?? 30,
                kmsKeyId: this.key.arn,
            },
            p,
        );

        const scaling: aws.types.input.rds.ClusterServerlessv2ScalingConfiguration = {
            minCapacity: minAcu,
            maxCapacity: maxAcu,
            ...(minAcu === 0 ? { secondsUntilAutoPause: args.secondsUntilAutoPause ?? 300 } : {}),
        };
        const finalSnapshot = args.finalSnapshot ?? true;
        this.cluster = new aws.rds.Cluster(
            `${name}-cluster`,
            {
                clusterIdentifier,
                engine: ENGINE,
                engineMode: "provisioned",
                engineVersion,
                databaseName: this.databaseName,
                masterUsername: args.masterUsername ?? "flightstream_admin",
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: this.key.arn,
                storageEncrypted: true,
                kmsKeyId: this.key.arn,
                enableHttpEndpoint: true,
                serverlessv2ScalingConfiguration: scaling,
                backupRetentionPeriod: args.backupRetentionDays ?? 7,
                preferredBackupWindow: "02:00-03:00",
                preferredMaintenanceWindow: "sun:04:00-sun:05:00",
                deletionProtection,
                copyTagsToSnapshot: true,
                enabledCloudwatchLogsExports: ["postgresql"],
                dbSubnetGroupName: this.subnetGroup.name,
                vpcSecurityGroupIds: [this.securityGroup.id],
                skipFinalSnapshot: !finalSnapshot,
                ...(finalSnapshot ? { finalSnapshotIdentifier: `${clusterIdentifier}-final` } : {}),
                iamDatabaseAuthenticationEnabled: true,
                applyImmediately: false,
            },
            { parent: this, dependsOn: [this.logGroup] },
        );
        this.clusterIdentifier = this.cluster.clusterIdentifier;
        this.clusterArn = this.cluster.arn;
        this.secretArn = this.cluster.masterUserSecrets.apply((s) => {
            const arn = s?.[0]?.secretArn;
            return arn ?? "";
        });

        const performanceInsights = args.performanceInsights ?? false;
        for (let i = 0; i < (args.instanceCount ?? 1); i++) {
            this.instances.push(
                new aws.rds.ClusterInstance(
                    `${name}-instance-${i}`,
                    {
                        identifier: `${clusterIdentifier}-${i}`,
                        clusterIdentifier: this.cluster.id,
                        instanceClass: "db.serverless",
                        engine: ENGINE,
                        engineVersion,
                        publiclyAccessible: false,
                        autoMinorVersionUpgrade: true,
                        performanceInsightsEnabled: performanceInsights,
                        ...(performanceInsights ? { performanceInsightsKmsKeyId: this.key.arn, performanceInsightsRetentionPeriod: 7 } : {}),
                        promotionTier: i,
                    },
                    p,
                ),
            );
        }

        // ---- rotation of the per-function users' secrets (master secret: migrations and this only) ----
        const userSecrets = pulumi.interpolate`arn:aws:secretsmanager:${args.region}:${accountId}:secret:${clusterIdentifier}-user-*`;
        const rotation = lambdaFunction(`${name}-rotate`, this, {
            description: `Rotates the per-function database users of ${clusterIdentifier} (Secrets Manager four-step protocol)`,
            accountId: args.accountId,
            code: functionCode("rotate-db-secret"),
            logKeyArn: this.key.arn,
            logRetentionDays: args.logRetentionDays ?? 30,
            environment: { DB_CLUSTER_ARN: this.clusterArn, DB_MASTER_SECRET_ARN: this.secretArn, DB_NAME: this.databaseName, POWERTOOLS_SERVICE_NAME: "rotate-db-secret" },
            statements: [
                ...this.dataApiStatements(this.secretArn, "Master"),
                { Sid: "RotateUserSecrets", Effect: "Allow", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"], Resource: userSecrets },
                { Sid: "EncryptUserSecrets", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: this.key.arn, Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com` } } },
                // GetRandomPassword has no resource.
                { Sid: "GeneratePasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" },
            ],
            timeoutSeconds: 60,
            memoryMiB: 256,
        });
        this.rotationFunction = rotation.function;
        this.rotationRole = rotation.role;
        this.rotationPermission = new aws.lambda.Permission(
            `${name}-rotate-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: this.rotationFunction.name,
                principal: "secretsmanager.amazonaws.com",
                sourceAccount: accountId,
            },
            p,
        );

        this.alarms = createAlarms(this, name, this.alarmDefinitions(), args.alarms);
        this.registerOutputs({
            key: this.key,
            ...(this.vpc ? { vpc: this.vpc } : {}),
            subnets: this.subnets,
            subnetGroup: this.subnetGroup,
            securityGroup: this.securityGroup,
            logGroup: this.logGroup,
            cluster: this.cluster,
            instances: this.instances,
            secretArn: this.secretArn,
            alarms: this.alarms,
        });
    }

    private dims(): Record<string, pulumi.Input<string>> {
        return { DBClusterIdentifier: this.cluster.clusterIdentifier };
    }

    /** ACUs in use (Maximum by default). */
    metricServerlessDatabaseCapacity(options?: MetricOptions): MetricSpec {
        return metric("AWS/RDS", "ServerlessDatabaseCapacity", this.dims(), { statistic: "Maximum", periodSeconds: 300, unit: "Count" }, options);
    }

    /** Capacity in use as a percentage of the maximum ACUs. */
    metricAcuUtilization(options?: MetricOptions): MetricSpec {
        return metric("AWS/RDS", "ACUUtilization", this.dims(), { statistic: "Maximum", periodSeconds: 300, unit: "Percent" }, options);
    }

    metricCpuUtilization(options?: MetricOptions): MetricSpec {
        return metric("AWS/RDS", "CPUUtilization", this.dims(), { statistic: "Average", periodSeconds: 300, unit: "Percent" }, options);
    }

    metricDatabaseConnections(options?: MetricOptions): MetricSpec {
        return metric("AWS/RDS", "DatabaseConnections", this.dims(), { statistic: "Maximum", periodSeconds: 300, unit: "Count" }, options);
    }

    private alarmDefinitions(): AlarmDefinition[] {
        const s = this.settings;
        return [
            {
                condition: "capacity-near-max",
                metric: this.metricServerlessDatabaseCapacity(),
                threshold: s.capacityShare * this.maxCapacityAcu,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "page",
                runbook: "database",
                description: `The analytics database has used at least ${Math.round(s.capacityShare * 100)}% of its ${this.maxCapacityAcu} maximum ACUs for 15 minutes; queries will slow down once it is at the ceiling.`,
                evaluationPeriods: 3,
            },
            {
                condition: "cpu-high",
                metric: this.metricCpuUtilization(),
                threshold: s.cpu,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "database",
                description: `The analytics database's CPU has averaged at least ${s.cpu}% for 15 minutes.`,
                evaluationPeriods: 3,
            },
            {
                condition: "connections-high",
                metric: this.metricDatabaseConnections(),
                threshold: s.connections,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "database",
                description: `The analytics database has at least ${s.connections} connections.`,
                evaluationPeriods: 2,
            },
        ];
    }

    private dataApiStatements(secretArn: pulumi.Input<string>, whose: "Master" | "Own"): PolicyStatement[] {
        return [
            {
                Sid: "DataApi",
                Effect: "Allow",
                Action: ["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction", "rds-data:RollbackTransaction"],
                Resource: this.clusterArn,
            },
            { Sid: `Read${whose}Secret`, Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArn },
            { Sid: `Decrypt${whose}Secret`, Effect: "Allow", Action: "kms:Decrypt", Resource: this.keyArn, Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${this.region}.amazonaws.com` } } },
        ];
    }

    /**
     * Lets a principal use the Data API on this cluster: rds-data statement and
     * transaction actions on the cluster, GetSecretValue on `user`'s secret (or,
     * without `user`, the master secret: for the migrations only) and kms:Decrypt
     * on the key that encrypts it, through Secrets Manager. The principal must be
     * in the database's account (the Data API has no resource policy): a
     * principal naming another account fails.
     */
    grantDataApi(name: string, grantee: Grantee, user?: DatabaseUser): Grant {
        const g = asGrantable(grantee);
        if (isCrossAccount(`AuroraDatabase grant "${name}"`, g, this.accountIdArg)) {
            throw new Error(`AuroraDatabase grant "${name}": the Data API is called from the database's account only; the principal names account ${g.accountId}, the database is in ${String(this.accountIdArg)}.`);
        }
        return applyGrant(name, g, false, user ? this.dataApiStatements(user.secretArn, "Own") : this.dataApiStatements(this.secretArn, "Master"));
    }

    /**
     * Creates a function's database user secret `<cluster>-user-<username>` under
     * the database key, with the initial document (no password) and rotation by
     * the rotation function every `userSecretRotationDays`, immediately on creation
     * (that first rotation sets the password). `dependsOn` must include the
     * migrations that create the role. The secret string is ignored afterwards
     * (rotation owns it).
     */
    createUser(name: string, username: string, opts: { parent: pulumi.Resource; dependsOn?: pulumi.ResourceOptions["dependsOn"] }): DatabaseUser {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(username)) throw new Error(`AuroraDatabase: \`username\` must be a lower-case PostgreSQL role name (received ${JSON.stringify(username)}).`);
        const p = { parent: opts.parent };
        const secret = new aws.secretsmanager.Secret(
            `${name}`,
            {
                name: pulumi.interpolate`${this.clusterIdentifier}-user-${username}`,
                description: `Database user ${username} of ${this.databaseName} (Data API; rotated every ${this.rotationDays} days)`,
                kmsKeyId: this.keyArn,
                recoveryWindowInDays: 7,
            },
            p,
        );
        const version = new aws.secretsmanager.SecretVersion(
            `${name}-initial`,
            {
                secretId: secret.id,
                secretString: pulumi.jsonStringify({ engine: "postgres", username, dbClusterIdentifier: this.clusterIdentifier, dbname: this.databaseName }),
            },
            { parent: opts.parent, ignoreChanges: ["secretString"] },
        );
        const rotation = new aws.secretsmanager.SecretRotation(
            `${name}-rotation`,
            {
                secretId: secret.id,
                rotationLambdaArn: this.rotationFunction.arn,
                rotationRules: { automaticallyAfterDays: this.rotationDays },
                rotateImmediately: true,
            },
            { parent: opts.parent, dependsOn: [version, this.rotationPermission, this.rotationFunction, ...toResources(opts.dependsOn)] },
        );
        return { username, secret, secretArn: secret.arn, rotation };
    }
}

/** The plain resources of a `dependsOn` option (Outputs of resources are not resolved here). */
function toResources(d: unknown): pulumi.Resource[] {
    if (d === undefined) return [];
    const list = Array.isArray(d) ? d : [d];
    return list.filter((x): x is pulumi.Resource => pulumi.Resource.isInstance(x));
}
