/**
 * The insights API of docs/design.md §3.3: an API Gateway HTTP API with a Lambda
 * proxy integration (payload v2, functions/insights) reading Aurora through
 * the Data API.
 *
 * Creates: aws.lambda.Function (+ role, policies, KMS log group),
 * aws.apigatewayv2.Api, Integration, one Route per endpoint, an optional JWT
 * Authorizer (or IAM auth), the `$default` Stage with default route throttling
 * and JSON access logs (KMS log group), aws.lambda.Permission for API Gateway,
 * and alarms on 5xx responses and p99 latency.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { functionCode } from "../common/bundle";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, isKnown, validator } from "../common/validation";
import { AuroraDatabase, DATABASE_ROLES, DatabaseUser } from "./AuroraDatabase";
import { lambdaFunction } from "../common/lambda";

/** The routes of docs/design.md §3.3. */
export const INSIGHTS_ROUTES = ["GET /v1/routes/top", "GET /v1/alerts", "GET /v1/inventory/{carrier}/{number}/{departureDate}", "GET /v1/routes/{route}/forecast"] as const;

export interface InsightsApiArgs {
    readonly accountId: pulumi.Input<string>;
    readonly database: AuroraDatabase;
    /** Steady-state requests per second of the default route settings. @default 50 */
    readonly throttlingRateLimit?: number;
    /** Burst of the default route settings. @default 100 */
    readonly throttlingBurstLimit?: number;
    /** JWT authorizer: token issuer URL (with `jwtAudience`). @default - no JWT authorizer */
    readonly jwtIssuer?: pulumi.Input<string>;
    /** JWT authorizer: accepted audiences. */
    readonly jwtAudience?: pulumi.Input<string>[];
    /** Require SigV4-signed requests (AWS_IAM) instead of a JWT. @default false */
    readonly iamAuth?: boolean;
    /** @default 512 */
    readonly memoryMiB?: number;
    /** @default 10 */
    readonly timeoutSeconds?: number;
    /** @default - unreserved */
    readonly reservedConcurrency?: number;
    /** @default 30 */
    readonly logRetentionDays?: number;
    /** Retention of the API access logs (audit logs: the policy pack's `audit-log-retention` wants 365+). @default 365 */
    readonly accessLogRetentionDays?: number;
    /** 5xx responses per 5 minutes that raise the alarm. @default 5 */
    readonly errorsAlarmThreshold?: number;
    /** p99 latency (ms) that raises the alarm. @default 2000 */
    readonly latencyAlarmMs?: number;
    /**
     * The API's own database user (read-only).
     * @default - created here: `database.createUser` for "flightstream_insights", after this component's `dependsOn` (the migrations)
     */
    readonly databaseUser?: DatabaseUser;
    /** More environment for the function (e.g. FORECAST_BUCKET). @default {} */
    readonly extraEnvironment?: Record<string, pulumi.Input<string>>;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
}

export class InsightsApi extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
    readonly api: aws.apigatewayv2.Api;
    readonly integration: aws.apigatewayv2.Integration;
    readonly routes: aws.apigatewayv2.Route[] = [];
    readonly authorizer?: aws.apigatewayv2.Authorizer;
    readonly stage: aws.apigatewayv2.Stage;
    readonly accessLogGroup: aws.cloudwatch.LogGroup;
    readonly url: pulumi.Output<string>;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** The database user (and secret) the API's Data API calls use. */
    readonly databaseUser: DatabaseUser;
    private readonly thresholds: { errors: number; latencyMs: number };

    constructor(name: string, args: InsightsApiArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:analytics:InsightsApi", name, {}, opts);
        const v = validator("InsightsApi", name);
        v.numberRange("throttlingRateLimit", args.throttlingRateLimit, 1, 10000);
        v.intRange("throttlingBurstLimit", args.throttlingBurstLimit, 1, 5000);
        v.intRange("memoryMiB", args.memoryMiB, 128, 10240);
        v.intRange("timeoutSeconds", args.timeoutSeconds, 1, 29);
        v.intRange("reservedConcurrency", args.reservedConcurrency, 1, 10000);
        v.logRetentionDays("logRetentionDays", args.logRetentionDays);
        v.logRetentionDays("accessLogRetentionDays", args.accessLogRetentionDays);
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        v.check("jwtAudience", (args.jwtIssuer === undefined) === (args.jwtAudience === undefined), "given together with `jwtIssuer` (both or neither)", args.jwtAudience);
        if (args.iamAuth) v.exclusive({ jwtIssuer: args.jwtIssuer, iamAuth: args.iamAuth });
        if (isKnown(args.jwtIssuer)) v.pattern("jwtIssuer", args.jwtIssuer, /^https:\/\/\S+$/, "an https:// issuer URL");
        this.thresholds = { errors: args.errorsAlarmThreshold ?? 5, latencyMs: args.latencyAlarmMs ?? 2000 };

        const p = { parent: this };
        const db = args.database;
        const stackName = `${pulumi.getStack()}-${name}`;
        this.databaseUser = args.databaseUser ?? db.createUser(`${name}-db-user`, DATABASE_ROLES.insights, { parent: this, dependsOn: opts.dependsOn });
        const fn = lambdaFunction(name, this, {
            description: "Insights API over the analytics database (read-only database user)",
            accountId: args.accountId,
            code: functionCode("insights"),
            logKeyArn: db.keyArn,
            logRetentionDays: args.logRetentionDays ?? 30,
            environment: { DB_CLUSTER_ARN: db.clusterArn, DB_SECRET_ARN: this.databaseUser.secretArn, DB_NAME: db.databaseName, POWERTOOLS_SERVICE_NAME: "insights", ...(args.extraEnvironment ?? {}) },
            statements: [],
            timeoutSeconds: args.timeoutSeconds ?? 10,
            memoryMiB: args.memoryMiB ?? 512,
            reservedConcurrency: args.reservedConcurrency,
            roleGrants: (role) => [db.grantDataApi(`${name}-data-api`, role, this.databaseUser).principalPolicy!, this.databaseUser.rotation],
        });
        this.function = fn.function;
        this.role = fn.role;

        this.api = new aws.apigatewayv2.Api(
            `${name}-api`,
            {
                name: stackName,
                protocolType: "HTTP",
                description: "Flight insights: top routes, high-demand alerts, inventory",
                disableExecuteApiEndpoint: false,
            },
            p,
        );
        this.integration = new aws.apigatewayv2.Integration(
            `${name}-integration`,
            {
                apiId: this.api.id,
                integrationType: "AWS_PROXY",
                integrationUri: this.function.arn,
                integrationMethod: "POST",
                payloadFormatVersion: "2.0",
                timeoutMilliseconds: Math.min(30000, ((args.timeoutSeconds ?? 10) + 1) * 1000),
            },
            p,
        );
        if (args.jwtIssuer !== undefined) {
            this.authorizer = new aws.apigatewayv2.Authorizer(
                `${name}-jwt`,
                {
                    apiId: this.api.id,
                    authorizerType: "JWT",
                    name: `${stackName}-jwt`,
                    identitySources: ["$request.header.Authorization"],
                    jwtConfiguration: { issuer: args.jwtIssuer, audiences: args.jwtAudience },
                },
                p,
            );
        }
        const authorizationType = this.authorizer ? "JWT" : args.iamAuth ? "AWS_IAM" : "NONE";
        for (const routeKey of INSIGHTS_ROUTES) {
            const slug = routeKey
                .split(" ")[1]
                .split("/")
                .filter((s) => s && !s.startsWith("{"))
                .slice(1)
                .join("-");
            this.routes.push(
                new aws.apigatewayv2.Route(
                    `${name}-route-${slug}`,
                    {
                        apiId: this.api.id,
                        routeKey,
                        target: pulumi.interpolate`integrations/${this.integration.id}`,
                        authorizationType,
                        ...(this.authorizer ? { authorizerId: this.authorizer.id } : {}),
                    },
                    p,
                ),
            );
        }

        this.accessLogGroup = new aws.cloudwatch.LogGroup(
            `${name}-access-logs`,
            {
                name: `/aws/apigateway/${stackName}/access`,
                retentionInDays: args.accessLogRetentionDays ?? 365,
                kmsKeyId: db.keyArn,
            },
            p,
        );
        this.stage = new aws.apigatewayv2.Stage(
            `${name}-stage`,
            {
                apiId: this.api.id,
                name: "$default",
                autoDeploy: true,
                defaultRouteSettings: {
                    throttlingBurstLimit: args.throttlingBurstLimit ?? 100,
                    throttlingRateLimit: args.throttlingRateLimit ?? 50,
                    detailedMetricsEnabled: true,
                },
                accessLogSettings: {
                    destinationArn: this.accessLogGroup.arn,
                    format: JSON.stringify({
                        requestId: "$context.requestId",
                        ip: "$context.identity.sourceIp",
                        requestTime: "$context.requestTime",
                        routeKey: "$context.routeKey",
                        status: "$context.status",
                        latencyMs: "$context.responseLatency",
                        integrationError: "$context.integrationErrorMessage",
                        authorizerError: "$context.authorizer.error",
                    }),
                },
            },
            { parent: this, dependsOn: this.routes },
        );
        new aws.lambda.Permission(
            `${name}-invoke`,
            {
                action: "lambda:InvokeFunction",
                function: this.function.name,
                principal: "apigateway.amazonaws.com",
                sourceArn: pulumi.interpolate`${this.api.executionArn}/*/*`,
            },
            p,
        );
        this.url = this.api.apiEndpoint;

        this.alarms = createAlarms(this, name, this.alarmDefinitions(), args.alarms);
        this.registerOutputs({ function: this.function, api: this.api, stage: this.stage, routes: this.routes, ...(this.authorizer ? { authorizer: this.authorizer } : {}), url: this.url, alarms: this.alarms });
    }

    private dims(): Record<string, pulumi.Input<string>> {
        return { ApiId: this.api.id, Stage: "$default" };
    }

    metric5xx(options?: MetricOptions): MetricSpec {
        return metric("AWS/ApiGateway", "5xx", this.dims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    metric4xx(options?: MetricOptions): MetricSpec {
        return metric("AWS/ApiGateway", "4xx", this.dims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    metricLatency(options?: MetricOptions): MetricSpec {
        return metric("AWS/ApiGateway", "Latency", this.dims(), { extendedStatistic: "p99", periodSeconds: 300, unit: "Milliseconds" }, options);
    }

    metricCount(options?: MetricOptions): MetricSpec {
        return metric("AWS/ApiGateway", "Count", this.dims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    private alarmDefinitions(): AlarmDefinition[] {
        return [
            {
                condition: "5xx",
                metric: this.metric5xx(),
                threshold: this.thresholds.errors,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "api-errors",
                description: `The insights API answered at least ${this.thresholds.errors} server errors in 5 minutes.`,
            },
            {
                condition: "latency",
                metric: this.metricLatency(),
                threshold: this.thresholds.latencyMs,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "api-errors",
                description: `The insights API's p99 latency has been at least ${this.thresholds.latencyMs} ms for 15 minutes.`,
                evaluationPeriods: 3,
            },
        ];
    }
}
