/**
 * The ingestion service on ECS Fargate: the ECR repository (scan on push,
 * immutable tags, KMS) and the image built from functions/ingest/Dockerfile
 * (unless `image` is given), the task role (writes its stream only, reads the
 * key store) and execution role (pulls this repository, writes this log group),
 * the cluster (Container Insights), the task definition (non-root, read-only
 * root file system) and the services in the private subnets behind a target
 * group (circuit breaker with rollback). Children of the IngestionService (same
 * names and parent as before the split).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { KinesisStreamRef } from "../common/grants";
import { grant, serviceTrustPolicy } from "../common/iam";
import { INGEST_IMAGE_CONTEXT } from "../common/bundle";
import type { IngestionServiceArgs } from "./IngestionService";
import type { IngestionNetwork } from "./vpc";
import type { IngestionSettings } from "./settings";

/** CloudWatch namespace of the service's embedded metrics (functions/ingest/metrics.ts). */
export const INGEST_METRICS_NAMESPACE = "FlightStream/Ingestion";

/** The image build context: the repository root, or the package's dist/image (components/common/bundle.ts). */
const REPO_ROOT = INGEST_IMAGE_CONTEXT;
const SERVICE_DIRS = ["functions/ingest", "functions/shared"];
/** The container's name in the task definition (the target groups forward to it). */
export const CONTAINER_NAME = "ingest";

/** sha256 (first 16 hex) of the files the image is built from; the image tag (tags are immutable). */
export function serviceSourceHash(root = REPO_ROOT): string {
    const hash = crypto.createHash("sha256");
    const files: string[] = ["package.json", "package-lock.json"];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const rel = `${dir}/${entry.name}`;
            if (entry.isDirectory()) walk(rel);
            else files.push(rel);
        }
    };
    for (const dir of SERVICE_DIRS) if (fs.existsSync(path.join(root, dir))) walk(dir);
    for (const f of files) {
        hash.update(f);
        hash.update(fs.readFileSync(path.join(root, f)));
    }
    return hash.digest("hex").slice(0, 16);
}

export interface IngestionImage {
    readonly repository: aws.ecr.Repository;
    readonly image?: dockerBuild.Image;
    readonly imageUri: pulumi.Output<string>;
}

/**
 * Credentials for the image push: the override when given, else an ECR
 * authorization token for the repository's registry (the password is a secret
 * either way, so it is encrypted in the state). The invoke runs with the
 * component as parent, so it uses the provider the component was given (the
 * ingestion account's) and the token is for the registry the image goes to.
 */
function registryCredentials(scope: pulumi.Resource, repository: aws.ecr.Repository, override: IngestionServiceArgs["registryAuth"]): { username: pulumi.Input<string>; password: pulumi.Input<string> } {
    if (override !== undefined) return { username: override.username, password: pulumi.secret(override.password) };
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: scope });
    return { username: token.userName, password: pulumi.secret(token.password) };
}

export function ingestionImage(scope: pulumi.Resource, name: string, args: IngestionServiceArgs, s: IngestionSettings, keyArn: pulumi.Input<string>): IngestionImage {
    const parent = { parent: scope };
    const repository = new aws.ecr.Repository(
        `${name}-repo`,
        {
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn }],
            forceDelete: false,
            tags: s.tags,
        },
        parent,
    );
    new aws.ecr.LifecyclePolicy(
        `${name}-repo`,
        {
            repository: repository.name,
            policy: JSON.stringify({ rules: [{ rulePriority: 1, description: "keep the 20 newest images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 }, action: { type: "expire" } }] }),
        },
        parent,
    );
    if (args.image !== undefined) return { repository, imageUri: pulumi.output(args.image) };
    const imageRef = pulumi.interpolate`${repository.repositoryUrl}:${serviceSourceHash()}`;
    const image = new dockerBuild.Image(
        `${name}-image`,
        {
            context: { location: REPO_ROOT },
            dockerfile: { location: path.join(REPO_ROOT, "functions", "ingest", "Dockerfile") },
            platforms: ["linux/amd64"],
            push: true,
            buildOnPreview: false,
            tags: [imageRef],
            registries: [{ address: repository.repositoryUrl.apply((u) => u.split("/")[0]), ...registryCredentials(scope, repository, args.registryAuth) }],
        },
        parent,
    );
    return { repository, image, imageUri: imageRef };
}

export interface IngestionRoles {
    readonly taskRole: aws.iam.Role;
    readonly executionRole: aws.iam.Role;
    /** The task role's key-store policy (the task definition waits for it). */
    readonly taskKeys: pulumi.Resource;
}

export function ingestionRoles(
    scope: pulumi.Resource,
    name: string,
    args: IngestionServiceArgs,
    s: IngestionSettings,
    deps: { accountId: pulumi.Output<string>; keyArn: pulumi.Input<string>; keyStoreSecret: aws.secretsmanager.Secret; repository: aws.ecr.Repository; logGroup: aws.cloudwatch.LogGroup },
): IngestionRoles {
    const parent = { parent: scope };
    const ecsTrust = serviceTrustPolicy("ecs-tasks.amazonaws.com", deps.accountId);
    const taskRole = new aws.iam.Role(`${name}-task-role`, { description: `${name}: ingestion task (writes its stream only)`, assumeRolePolicy: ecsTrust, tags: s.tags }, parent);
    // The stream may belong to another stack: a reference's grant adds the task role's side.
    KinesisStreamRef.fromStreamAttributes({ streamArn: args.streamArn, keyArn: args.streamKmsKeyArn }).grantWrite(`${name}-task-stream`, taskRole);
    const taskKeys = grant(`${name}-task-keys`, taskRole, [
        { Sid: "ReadKeyStore", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: deps.keyStoreSecret.arn },
        { Sid: "DecryptKeyStore", Effect: "Allow", Action: "kms:Decrypt", Resource: deps.keyArn, Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.amazonaws.com` } } },
    ]);
    const executionRole = new aws.iam.Role(`${name}-exec-role`, { description: `${name}: ECS task execution (pull image, write logs)`, assumeRolePolicy: ecsTrust, tags: s.tags }, parent);
    grant(`${name}-exec`, executionRole, [
        { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "PullImage", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: deps.repository.arn },
        { Sid: "DecryptImage", Effect: "Allow", Action: "kms:Decrypt", Resource: deps.keyArn },
        { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${deps.logGroup.arn}:*` },
    ]);
    return { taskRole, executionRole, taskKeys };
}

export interface IngestionTasks {
    readonly cluster: aws.ecs.Cluster;
    readonly taskDefinition: aws.ecs.TaskDefinition;
}

/** The cluster and the one task definition every ingestion service runs (the service's environment is its configuration). */
export function ingestionTasks(
    scope: pulumi.Resource,
    name: string,
    args: IngestionServiceArgs,
    s: IngestionSettings,
    deps: { image: IngestionImage; roles: IngestionRoles; logGroup: aws.cloudwatch.LogGroup; keyStoreSecret: aws.secretsmanager.Secret },
): IngestionTasks {
    const cluster = new aws.ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: "enabled" }], tags: s.tags }, { parent: scope });
    const port = s.containerPort;
    const taskDefinition = new aws.ecs.TaskDefinition(
        `${name}-task`,
        {
            family: name,
            cpu: String(s.cpu),
            memory: String(s.memoryMiB),
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
            executionRoleArn: deps.roles.executionRole.arn,
            taskRoleArn: deps.roles.taskRole.arn,
            containerDefinitions: pulumi.jsonStringify([
                {
                    name: CONTAINER_NAME,
                    image: deps.image.imageUri,
                    essential: true,
                    readonlyRootFilesystem: true,
                    user: "node",
                    stopTimeout: s.stopTimeoutSeconds,
                    portMappings: [{ containerPort: port, protocol: "tcp" }],
                    environment: [
                        { name: "STREAM_NAME", value: args.streamName },
                        { name: "AWS_REGION", value: args.region },
                        { name: "PORT", value: String(port) },
                        { name: "LINGER_MS", value: String(s.lingerMs) },
                        { name: "MAX_QUEUE_EVENTS", value: String(s.maxQueueEvents) },
                        { name: "MAX_BODY_BYTES", value: String(s.maxBodyBytes) },
                        { name: "METRICS_NAMESPACE", value: INGEST_METRICS_NAMESPACE },
                        { name: "INGEST_KEYS_SECRET_ARN", value: deps.keyStoreSecret.arn },
                    ],
                    healthCheck: {
                        command: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
                        interval: 15,
                        timeout: 3,
                        retries: 3,
                        startPeriod: 20,
                    },
                    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": deps.logGroup.name, "awslogs-region": args.region, "awslogs-stream-prefix": "ingest", mode: "non-blocking", "max-buffer-size": "25m" } },
                },
            ]),
            tags: s.tags,
        },
        { parent: scope, dependsOn: [...(deps.image.image ? [deps.image.image] : []), deps.roles.taskKeys] },
    );
    return { cluster, taskDefinition };
}

/** One ECS service shape for the shared service and every vendor's dedicated one; `desiredCount` belongs to autoscaling after creation. */
export function ingestionEcsService(
    scope: pulumi.Resource,
    resourceName: string,
    s: IngestionSettings,
    o: { tasks: IngestionTasks; network: IngestionNetwork; targetGroup: aws.lb.TargetGroup; desiredCount: number; tags: Record<string, string>; dependsOn: pulumi.Resource[] },
): aws.ecs.Service {
    return new aws.ecs.Service(
        resourceName,
        {
            cluster: o.tasks.cluster.arn,
            taskDefinition: o.tasks.taskDefinition.arn,
            launchType: "FARGATE",
            platformVersion: "LATEST",
            desiredCount: o.desiredCount,
            networkConfiguration: { subnets: o.network.privateSubnetIds, securityGroups: [o.network.taskSecurityGroup.id], assignPublicIp: false },
            loadBalancers: [{ targetGroupArn: o.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: s.containerPort }],
            healthCheckGracePeriodSeconds: 30,
            deploymentCircuitBreaker: { enable: true, rollback: true },
            deploymentMinimumHealthyPercent: 100,
            deploymentMaximumPercent: 200,
            enableEcsManagedTags: true,
            propagateTags: "SERVICE",
            tags: o.tags,
        },
        { parent: scope, dependsOn: o.dependsOn, ignoreChanges: ["desiredCount"] },
    );
}
