/**
 * A SageMaker real-time endpoint for deal and price-adjustment scoring (the
 * `sagemaker` backend of functions/scoring; contract in functions/scoring/backend.ts).
 *
 * Creates: an execution role (trusted by sagemaker.amazonaws.com for this
 * account only) that can pull the image and read exactly the model artifact
 * (and decrypt it), aws.sagemaker.Model (network isolation), EndpointConfiguration
 * (volumes encrypted with `kmsKeyArn`), Endpoint, Application Auto Scaling on the
 * variant's instance count (target tracking on SageMakerVariantInvocationsPerInstance)
 * and alarms built from the metric helpers: ModelLatency p99, Invocation5XXErrors,
 * Invocation4XXErrors. `grantInvoke(name, role)` gives a role
 * `sagemaker:InvokeEndpoint` on this endpoint alone.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmSettings, createAlarms } from "../common/alarms";
import { LakeBucketRef, StatementCollector } from "../common/grants";
import { PolicyStatement, grant, kmsUseStatement, serviceTrustPolicy } from "../common/iam";
import { MetricOptions, MetricSpec, metric } from "../common/metrics";
import { AWS_ACCOUNT_ID, isKnown, validator } from "../common/validation";

export interface ScoringEndpointArgs {
    /** Account the endpoint runs in (trust policy confused-deputy guard). */
    readonly accountId: pulumi.Input<string>;
    /** Inference image URI in ECR, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/scoring:1.4.0`. */
    readonly image: pulumi.Input<string>;
    /** The model artifact, `s3://<bucket>/<key>.tar.gz`. */
    readonly modelDataUrl: pulumi.Input<string>;
    /** Key that encrypts the artifact's bucket (kms:Decrypt for the execution role). @default - none (an unencrypted artifact) */
    readonly modelDataKmsKeyArn?: pulumi.Input<string>;
    /** Key that encrypts the endpoint's storage volumes. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** @default "ml.c6i.large" */
    readonly instanceType?: string;
    /** Instances at least (autoscaling floor), 1..100. @default 1 */
    readonly minInstances?: number;
    /** Instances at most, minInstances..100. @default 4 */
    readonly maxInstances?: number;
    /** Target invocations per instance per minute (autoscaling), 1..100000. @default 1000 */
    readonly targetInvocationsPerInstance?: number;
    /** p99 ModelLatency (ms) that raises the alarm. @default 500 */
    readonly latencyAlarmMs?: number;
    /** @default - alarms on, no routing */
    readonly alarms?: AlarmSettings;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

const VARIANT = "primary";

export class ScoringEndpoint extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly model: aws.sagemaker.Model;
    readonly endpointConfiguration: aws.sagemaker.EndpointConfiguration;
    readonly endpoint: aws.sagemaker.Endpoint;
    readonly scalingTarget: aws.appautoscaling.Target;
    readonly scalingPolicy: aws.appautoscaling.Policy;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** The endpoint's name (SCORING_ENDPOINT_NAME of the processor). */
    readonly endpointName: pulumi.Output<string>;
    private readonly latencyAlarmMs: number;

    constructor(name: string, args: ScoringEndpointArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("flightstream:analytics:ScoringEndpoint", name, {}, opts);
        const v = validator("ScoringEndpoint", name);
        if (isKnown(args.accountId)) v.pattern("accountId", args.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
        if (isKnown(args.image))
            v.pattern(
                "image",
                args.image,
                /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[a-f0-9]{64})$/,
                "an ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)",
            );
        if (isKnown(args.modelDataUrl)) v.pattern("modelDataUrl", args.modelDataUrl, /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.tar\.gz$/, "an S3 URI of a .tar.gz model artifact (s3://<bucket>/<key>.tar.gz)");
        if (args.instanceType !== undefined) v.pattern("instanceType", args.instanceType, /^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'a SageMaker instance type such as "ml.c6i.large"');
        v.intRange("minInstances", args.minInstances, 1, 100);
        v.intRange("maxInstances", args.maxInstances, args.minInstances ?? 1, 100);
        v.intRange("targetInvocationsPerInstance", args.targetInvocationsPerInstance, 1, 100000);
        v.intRange("latencyAlarmMs", args.latencyAlarmMs, 1, 60000);
        this.latencyAlarmMs = args.latencyAlarmMs ?? 500;
        const minInstances = args.minInstances ?? 1;
        const maxInstances = args.maxInstances ?? 4;
        if (maxInstances < minInstances) v.fail("maxInstances", `at least \`minInstances\` (${minInstances})`, maxInstances);

        const p = { parent: this };
        const tags = { ...(args.tags ?? {}), Component: "ScoringEndpoint" };
        const stackName = `${pulumi.getStack()}-${name}`;

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: "SageMaker execution role of the scoring endpoint: pulls its image, reads its artifact",
                assumeRolePolicy: serviceTrustPolicy("sagemaker.amazonaws.com", args.accountId),
                tags,
            },
            p,
        );
        const artifact = pulumi.output(args.modelDataUrl).apply((u) => {
            const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(u);
            return { bucketArn: `arn:aws:s3:::${m ? m[1] : "invalid"}`, key: m ? m[2] : "invalid" };
        });
        const image = pulumi.output(args.image).apply((i) => {
            const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(i);
            return m ? `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : "invalid";
        });
        const statements: PolicyStatement[] = [
            ...LakeBucketRef.fromBucketAttributes({ bucketArn: artifact.bucketArn, keyArn: args.modelDataKmsKeyArn, label: "ModelArtifact" }).grantReadObjects(`${name}-read-artifact`, new StatementCollector(), { keys: [artifact.key] })
                .principalStatements,
            { Sid: "PullImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: image },
            // GetAuthorizationToken has no resource-level permissions.
            { Sid: "EcrToken", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "WriteLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`arn:aws:logs:*:${args.accountId}:log-group:/aws/sagemaker/Endpoints/${stackName}*`,
            },
            { Sid: "PutMetrics", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "/aws/sagemaker/Endpoints" } } },
            kmsUseStatement(args.kmsKeyArn, "both", "UseEndpointKey"),
        ];
        const rolePolicy = grant(`${name}-role-policy`, this.role, statements);

        this.model = new aws.sagemaker.Model(
            `${name}-model`,
            {
                executionRoleArn: this.role.arn,
                enableNetworkIsolation: true,
                primaryContainer: { image: args.image, modelDataUrl: args.modelDataUrl, mode: "SingleModel" },
                tags,
            },
            { parent: this, dependsOn: [rolePolicy] },
        );

        this.endpointConfiguration = new aws.sagemaker.EndpointConfiguration(
            `${name}-config`,
            {
                kmsKeyArn: args.kmsKeyArn,
                productionVariants: [
                    {
                        variantName: VARIANT,
                        modelName: this.model.name,
                        initialInstanceCount: minInstances,
                        instanceType: args.instanceType ?? "ml.c6i.large",
                        initialVariantWeight: 1,
                    },
                ],
                tags,
            },
            p,
        );

        this.endpoint = new aws.sagemaker.Endpoint(
            `${name}-endpoint`,
            {
                name: stackName,
                endpointConfigName: this.endpointConfiguration.name,
                tags,
            },
            p,
        );
        this.endpointName = this.endpoint.name;

        this.scalingTarget = new aws.appautoscaling.Target(
            `${name}-scaling-target`,
            {
                serviceNamespace: "sagemaker",
                scalableDimension: "sagemaker:variant:DesiredInstanceCount",
                resourceId: pulumi.interpolate`endpoint/${this.endpoint.name}/variant/${VARIANT}`,
                minCapacity: minInstances,
                maxCapacity: maxInstances,
                tags,
            },
            p,
        );
        this.scalingPolicy = new aws.appautoscaling.Policy(
            `${name}-scaling`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: this.scalingTarget.serviceNamespace,
                scalableDimension: this.scalingTarget.scalableDimension,
                resourceId: this.scalingTarget.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    targetValue: args.targetInvocationsPerInstance ?? 1000,
                    predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
                    scaleInCooldown: 300,
                    scaleOutCooldown: 60,
                },
            },
            p,
        );

        this.alarms = createAlarms(this, name, this.alarmDefinitions(), args.alarms);
        this.registerOutputs({ endpointName: this.endpointName, endpointArn: this.endpoint.arn });
    }

    private dims(): Record<string, pulumi.Input<string>> {
        return { EndpointName: this.endpoint.name, VariantName: VARIANT };
    }

    /** Model latency (µs, as SageMaker reports it), p99 by default. */
    metricModelLatency(options?: MetricOptions): MetricSpec {
        return metric("AWS/SageMaker", "ModelLatency", this.dims(), { extendedStatistic: "p99", periodSeconds: 300, unit: "Microseconds" }, options);
    }

    metricInvocation5XXErrors(options?: MetricOptions): MetricSpec {
        return metric("AWS/SageMaker", "Invocation5XXErrors", this.dims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    metricInvocation4XXErrors(options?: MetricOptions): MetricSpec {
        return metric("AWS/SageMaker", "Invocation4XXErrors", this.dims(), { statistic: "Sum", periodSeconds: 300, unit: "Count" }, options);
    }

    metricInvocationsPerInstance(options?: MetricOptions): MetricSpec {
        return metric("AWS/SageMaker", "InvocationsPerInstance", this.dims(), { statistic: "Sum", periodSeconds: 60, unit: "None" }, options);
    }

    private alarmDefinitions(): AlarmDefinition[] {
        return [
            {
                condition: "model-latency",
                metric: this.metricModelLatency(),
                threshold: this.latencyAlarmMs * 1000,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "scoring-endpoint",
                description: `The scoring endpoint's p99 model latency is at least ${this.latencyAlarmMs} ms for 15 minutes; the processor waits on it for every chunk with offers.`,
                evaluationPeriods: 3,
            },
            {
                condition: "5xx",
                metric: this.metricInvocation5XXErrors(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "scoring-endpoint",
                description: "The scoring endpoint failed invocations (5XX) in the last 5 minutes; the processor scored those offers with the built-in model.",
            },
            {
                condition: "4xx",
                metric: this.metricInvocation4XXErrors(),
                threshold: 1,
                comparison: "GreaterThanOrEqualToThreshold",
                severity: "ticket",
                runbook: "scoring-endpoint",
                description: "The scoring endpoint refused invocations (4XX: request contract or permission) in the last 5 minutes; the processor scored those offers with the built-in model.",
            },
        ];
    }

    /** `sagemaker:InvokeEndpoint` on this endpoint alone, for `role`. */
    grantInvoke(name: string, role: aws.iam.Role): aws.iam.RolePolicy {
        return grant(name, role, [{ Sid: "InvokeScoringEndpoint", Effect: "Allow", Action: "sagemaker:InvokeEndpoint", Resource: this.endpoint.arn }]);
    }
}
