/**
 * Pulumi mocks that synthesize realistic physical names, ids and ARNs per
 * account and region, so cross-account wiring (bucket policies naming another
 * account's role, key policies, trust policies) resolves exactly as it would in AWS.
 *
 * The account and region of a resource come from its provider: every
 * `pulumi:providers:aws` resource is recorded with its `allowedAccountIds[0]` and
 * `region`; a resource's mock `provider` reference (`urn::id`) is looked up there.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { buildArn } from "../functions/shared/arn";
import { parseMaybeJson } from "../functions/shared/json";

export interface ProviderInfo {
    readonly name: string;
    readonly accountId: string;
    readonly region: string;
    readonly defaultTags: Record<string, string>;
    readonly roleArn?: string;
}

export interface MockRecord {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly inputs: Record<string, any>;
    readonly state: Record<string, any>;
    readonly id: string;
    readonly provider?: ProviderInfo;
}

/** Stable short hex from a string. */
export function hex(s: string, n = 8): string {
    return createHash("sha256").update(s).digest("hex").slice(0, n);
}

function uuid(s: string): string {
    const h = createHash("sha256").update(s).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const DEFAULT_ACCOUNT = "000000000000";
export const DEFAULT_REGION = "us-east-1";

/** Outputs of the stacks a program reads through StackReference, by stack name ("org/project/stack"). */
export type StackReferenceOutputs = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export class PlanMocks implements pulumi.runtime.Mocks {
    readonly providersById = new Map<string, ProviderInfo>();
    readonly records: MockRecord[] = [];

    constructor(private readonly stackReferences: StackReferenceOutputs = {}) {}

    /** Provider info for a mock provider reference `urn::id`. */
    providerFor(ref: string | undefined): ProviderInfo | undefined {
        if (!ref) return undefined;
        const id = ref.split("::").pop()!;
        return this.providersById.get(id);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const inputs = args.inputs ?? {};
        if (!args.custom) {
            // A remote (multi-language) component's children are created by its provider plugin, which the mock
            // engine never runs: only its outputs can be synthesized (docs/design-network.md).
            const state = args.type === AWSX_VPC ? awsxVpcOutputs(args.name, inputs) : {};
            this.records.push({ type: args.type, name: args.name, custom: false, inputs, state, id: "" });
            return { id: undefined, state };
        }
        if (args.type === "pulumi:pulumi:StackReference") {
            // A read of another stack's outputs: given by the caller (plan/engine.ts `stackReferences`).
            const name = String(inputs.name ?? args.id ?? args.name);
            const outputs = this.stackReferences[name];
            if (outputs === undefined) {
                throw new Error(
                    `StackReference ${JSON.stringify(name)}: the mock engine has no outputs for this stack; pass them as \`stackReferences: { ${JSON.stringify(name)}: {...} }\` (given: ${
                        Object.keys(this.stackReferences)
                            .map((k) => JSON.stringify(k))
                            .join(", ") || "none"
                    }).`,
                );
            }
            const state = { name, outputs, secretOutputNames: [] };
            this.records.push({ type: args.type, name: args.name, custom: true, inputs, state, id: name });
            return { id: name, state };
        }
        if (args.type.startsWith("pulumi:providers:")) {
            const allowed = parseMaybeJson(inputs.allowedAccountIds);
            const tags = parseMaybeJson(inputs.defaultTags);
            const roles = parseMaybeJson(inputs.assumeRoles);
            const info: ProviderInfo = {
                name: args.name,
                accountId: Array.isArray(allowed) && allowed[0] ? String(allowed[0]) : DEFAULT_ACCOUNT,
                region: typeof inputs.region === "string" ? inputs.region : DEFAULT_REGION,
                defaultTags: (tags && typeof tags === "object" && tags.tags) || {},
                roleArn: Array.isArray(roles) && roles[0] ? roles[0].roleArn : undefined,
            };
            const id = `${args.name}-${hex(args.name)}`;
            this.providersById.set(id, info);
            this.records.push({ type: args.type, name: args.name, custom: true, inputs, state: inputs, id, provider: info });
            return { id, state: inputs };
        }
        const provider = this.providerFor(args.provider);
        const account = provider?.accountId ?? DEFAULT_ACCOUNT;
        const region = provider?.region ?? DEFAULT_REGION;
        const { id, state } = synthesize(args.type, args.name, inputs, account, region);
        this.records.push({ type: args.type, name: args.name, custom: true, inputs, state, id, provider });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const provider = this.providerFor(args.provider);
        const account = provider?.accountId ?? DEFAULT_ACCOUNT;
        const region = provider?.region ?? DEFAULT_REGION;
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: account, arn: buildArn({ service: "sts", account, resource: "assumed-role/deploy/pulumi" }), userId: "AROAMOCK:pulumi", id: account };
            case "aws:index/getRegion:getRegion":
            case "aws:index/region:Region":
                return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: ["1", "2", "3"].map((z) => `${region.slice(0, 3)}-az${z}`), id: region };
            case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
                // A token for the registry of the invoke's provider (its account unless `registryId` names another).
                const registry = typeof args.inputs.registryId === "string" && args.inputs.registryId ? args.inputs.registryId : account;
                const password = `mock-ecr-token-${registry}-${region}`;
                return {
                    registryId: registry,
                    userName: "AWS",
                    password,
                    id: registry,
                    authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
                    proxyEndpoint: `https://${registry}.dkr.ecr.${region}.amazonaws.com`,
                    expiresAt: "2000-01-01T12:00:00Z",
                };
            }
            case "aws:elb/getServiceAccount:getServiceAccount":
                return { arn: "arn:aws:iam::156460612806:root", id: "156460612806" };
            default:
                throw new Error(`The offline plan has no mock for the invoke ${args.token}; build the value from config instead of an invoke.`);
        }
    }
}

/** `awsx.ec2.Vpc` (@pulumi/awsx), a remote component. */
export const AWSX_VPC = "awsx:ec2:Vpc";

/**
 * Outputs of an `awsx.ec2.Vpc` under the mock engine: the VPC id and one subnet
 * id per `subnetSpecs` CIDR block (or per spec and zone without blocks), by
 * type, so a program's dependents resolve. The subnets, route tables, routes and
 * gateways themselves are not in the plan (the awsx plugin would create them).
 */
export function awsxVpcOutputs(name: string, inputs: Record<string, any>): Record<string, any> {
    const zones: string[] = Array.isArray(inputs.availabilityZoneNames) ? inputs.availabilityZoneNames : ["a", "b", "c"].slice(0, Number(inputs.numberOfAvailabilityZones ?? 3));
    const specs: { type?: string; cidrBlocks?: string[] }[] = Array.isArray(inputs.subnetSpecs) ? inputs.subnetSpecs : [{ type: "Public" }, { type: "Private" }];
    const ids = (type: string) => specs.filter((sp) => sp.type === type).flatMap((sp, i) => (sp.cidrBlocks ?? zones).map((_, j) => `subnet-${hex(`${name}/${type}/${i}/${j}`, 17)}`));
    const vpcId = `vpc-${hex(name, 17)}`;
    return { vpcId, publicSubnetIds: ids("Public"), privateSubnetIds: ids("Private"), isolatedSubnetIds: ids("Isolated") };
}

/** Physical name: the explicit one from inputs, or a Pulumi-style auto name. */
function physicalName(name: string, inputs: Record<string, any>, key = "name"): string {
    const v = inputs[key];
    if (typeof v === "string" && v.length > 0) return v;
    if (typeof inputs.namePrefix === "string") return `${inputs.namePrefix}${hex(name, 7)}`;
    return `${name}-${hex(name, 7)}`;
}

/** Synthesizes an id and the output state of one resource. */
export function synthesize(type: string, name: string, inputs: Record<string, any>, account: string, region: string): { id: string; state: Record<string, any> } {
    const [pkg, mod] = type.split(":");
    const token = type.split(":")[2] ?? "";
    const service = (mod ?? "").split("/")[0];
    const pn = physicalName(name, inputs);
    let id = pn;
    const s: Record<string, any> = { ...inputs };
    const arnOf = (service: string, resource: string) => buildArn({ service, region, account, resource });
    if (pkg !== "aws") {
        return { id: `${name}-${hex(name)}`, state: { ...s, arn: arnOf(service || pkg, pn) } };
    }
    switch (`${mod}:${token}`) {
        case "kinesis/stream:Stream":
            s.name = pn;
            s.arn = arnOf("kinesis", `stream/${pn}`);
            id = s.arn;
            break;
        case "kinesis/streamConsumer:StreamConsumer":
            s.name = pn;
            s.arn = `${inputs.streamArn}/consumer/${pn}:1700000000`;
            id = s.arn;
            break;
        case "kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
            s.name = pn;
            s.arn = arnOf("firehose", `deliverystream/${pn}`);
            id = s.arn;
            break;
        case "kms/key:Key": {
            const keyId = uuid(`${account}/${name}`);
            s.keyId = keyId;
            s.arn = arnOf("kms", `key/${keyId}`);
            id = keyId;
            break;
        }
        case "kms/alias:Alias":
            s.arn = arnOf("kms", `${pn}`);
            s.targetKeyArn = arnOf("kms", `key/${inputs.targetKeyId}`);
            break;
        case "s3/bucket:Bucket":
        case "s3/bucketV2:BucketV2": {
            const b = physicalName(name, inputs, "bucket");
            s.bucket = b;
            s.arn = buildArn({ service: "s3", resource: b });
            id = b;
            s.bucketDomainName = `${b}.s3.amazonaws.com`;
            s.bucketRegionalDomainName = `${b}.s3.${region}.amazonaws.com`;
            s.region = region;
            s.hostedZoneId = "Z3AQBSTGFYJSTF";
            break;
        }
        case "iam/role:Role":
            s.name = pn;
            s.arn = buildArn({ service: "iam", account, resource: `role${inputs.path ?? "/"}${pn}` });
            s.uniqueId = `AROA${hex(pn, 16).toUpperCase()}`;
            id = pn;
            break;
        case "iam/policy:Policy":
            s.name = pn;
            s.arn = buildArn({ service: "iam", account, resource: `policy/${pn}` });
            id = s.arn;
            break;
        case "iam/rolePolicy:RolePolicy":
            id = `${inputs.role}:${pn}`;
            s.name = pn;
            break;
        case "sns/topic:Topic":
            s.name = pn;
            s.arn = arnOf("sns", `${pn}`);
            id = s.arn;
            break;
        case "sqs/queue:Queue":
            s.name = pn;
            s.arn = arnOf("sqs", `${pn}`);
            s.url = `https://sqs.${region}.amazonaws.com/${account}/${pn}`;
            id = s.url;
            break;
        case "lambda/function:Function":
            s.name = pn;
            s.arn = arnOf("lambda", `function:${pn}`);
            s.invokeArn = buildArn({ service: "apigateway", region, account: "lambda", resource: `path/2015-03-31/functions/${s.arn}/invocations` });
            s.qualifiedArn = `${s.arn}:$LATEST`;
            s.version = "$LATEST";
            id = pn;
            break;
        case "lambda/eventSourceMapping:EventSourceMapping":
            id = uuid(name);
            s.uuid = id;
            s.arn = arnOf("lambda", `event-source-mapping:${id}`);
            s.functionArn = inputs.functionName;
            break;
        case "sfn/stateMachine:StateMachine":
            s.name = pn;
            s.arn = arnOf("states", `stateMachine:${pn}`);
            id = s.arn;
            break;
        case "cloudwatch/logGroup:LogGroup":
            s.name = pn;
            s.arn = arnOf("logs", `log-group:${pn}`);
            id = pn;
            break;
        case "cloudwatch/metricAlarm:MetricAlarm":
        case "cloudwatch/compositeAlarm:CompositeAlarm":
            s.name = pn;
            s.arn = arnOf("cloudwatch", `alarm:${pn}`);
            id = pn;
            break;
        case "cloudwatch/dashboard:Dashboard":
            s.dashboardArn = buildArn({ service: "cloudwatch", account, resource: `dashboard/${inputs.dashboardName ?? pn}` });
            id = inputs.dashboardName ?? pn;
            break;
        case "rds/cluster:Cluster": {
            const cid = physicalName(name, inputs, "clusterIdentifier");
            s.clusterIdentifier = cid;
            id = cid;
            s.arn = arnOf("rds", `cluster:${cid}`);
            s.clusterResourceId = `cluster-${hex(cid, 26).toUpperCase()}`;
            s.endpoint = `${cid}.cluster-${hex(account, 12)}.${region}.rds.amazonaws.com`;
            s.readerEndpoint = s.endpoint.replace(".cluster-", ".cluster-ro-");
            s.port = 5432;
            if (inputs.manageMasterUserPassword) {
                s.masterUserSecrets = [{ secretArn: arnOf("secretsmanager", `secret:rds!cluster-${uuid(cid)}-${hex(cid, 6)}`), kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "", secretStatus: "active" }];
            }
            break;
        }
        case "rds/clusterInstance:ClusterInstance": {
            const iid = physicalName(name, inputs, "identifier");
            s.identifier = iid;
            id = iid;
            s.arn = arnOf("rds", `db:${iid}`);
            s.dbiResourceId = `db-${hex(iid, 26).toUpperCase()}`;
            break;
        }
        case "rds/subnetGroup:SubnetGroup":
        case "rds/clusterParameterGroup:ClusterParameterGroup":
            s.name = pn;
            s.arn = arnOf("rds", `${token === "SubnetGroup" ? "subgrp" : "cluster-pg"}:${pn}`);
            id = pn;
            break;
        case "secretsmanager/secret:Secret":
            s.name = pn;
            s.arn = arnOf("secretsmanager", `secret:${pn}-${hex(pn, 6)}`);
            id = s.arn;
            break;
        case "lb/loadBalancer:LoadBalancer": {
            const h = hex(name, 16);
            s.name = pn;
            s.arn = arnOf("elasticloadbalancing", `loadbalancer/app/${pn}/${h}`);
            s.arnSuffix = `app/${pn}/${h}`;
            s.dnsName = `${pn}-${hex(name, 10)}.${region}.elb.amazonaws.com`;
            s.zoneId = "Z32O12XQLNTSW2";
            id = s.arn;
            break;
        }
        case "lb/targetGroup:TargetGroup": {
            const h = hex(name, 16);
            s.name = pn;
            s.arn = arnOf("elasticloadbalancing", `targetgroup/${pn}/${h}`);
            s.arnSuffix = `targetgroup/${pn}/${h}`;
            id = s.arn;
            break;
        }
        case "lb/listener:Listener":
            s.arn = arnOf("elasticloadbalancing", `listener/app/${name}/${hex(name, 16)}/${hex(name + "l", 16)}`);
            id = s.arn;
            break;
        case "acm/certificate:Certificate":
            s.arn = arnOf("acm", `certificate/${uuid(name)}`);
            id = s.arn;
            s.domainValidationOptions = [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map((d: string) => ({
                domainName: d,
                resourceRecordName: `_${hex(d, 32)}.${d}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: `_${hex(d + "v", 32)}.acm-validations.aws.`,
            }));
            break;
        case "route53/healthCheck:HealthCheck":
            id = uuid(name);
            s.arn = buildArn({ service: "route53", resource: `healthcheck/${id}` });
            break;
        case "route53/record:Record":
            id = `${inputs.zoneId}_${inputs.name}_${inputs.type}${inputs.setIdentifier ? "_" + inputs.setIdentifier : ""}`;
            s.fqdn = inputs.name;
            break;
        case "ecs/cluster:Cluster":
            s.name = pn;
            s.arn = arnOf("ecs", `cluster/${pn}`);
            id = s.arn;
            break;
        case "oam/sink:Sink":
            s.sinkId = uuid(`${account}/${name}`);
            s.arn = arnOf("oam", `sink/${s.sinkId}`);
            id = s.arn;
            break;
        case "oam/link:Link":
            s.linkId = uuid(`${account}/${name}`);
            s.arn = arnOf("oam", `link/${s.linkId}`);
            s.sinkArn = inputs.sinkIdentifier;
            id = s.arn;
            break;
        case "ecs/service:Service":
            s.name = pn;
            id = arnOf("ecs", `service/${inputs.cluster?.split?.("/").pop() ?? "cluster"}/${pn}`);
            break;
        case "ecs/taskDefinition:TaskDefinition":
            s.arn = arnOf("ecs", `task-definition/${inputs.family}:1`);
            s.arnWithoutRevision = arnOf("ecs", `task-definition/${inputs.family}`);
            s.revision = 1;
            id = inputs.family;
            break;
        case "ecr/repository:Repository":
            s.name = pn;
            s.arn = arnOf("ecr", `repository/${pn}`);
            s.repositoryUrl = `${account}.dkr.ecr.${region}.amazonaws.com/${pn}`;
            s.registryId = account;
            id = pn;
            break;
        case "ec2/vpc:Vpc":
            id = `vpc-${hex(name, 17)}`;
            s.arn = arnOf("ec2", `vpc/${id}`);
            s.defaultSecurityGroupId = `sg-${hex(name + "d", 17)}`;
            s.mainRouteTableId = `rtb-${hex(name + "m", 17)}`;
            break;
        case "ec2/subnet:Subnet":
            id = `subnet-${hex(name, 17)}`;
            s.arn = arnOf("ec2", `subnet/${id}`);
            break;
        case "ec2/securityGroup:SecurityGroup":
            id = `sg-${hex(name, 17)}`;
            s.arn = arnOf("ec2", `security-group/${id}`);
            break;
        case "ec2/routeTable:RouteTable":
            id = `rtb-${hex(name, 17)}`;
            break;
        case "ec2/internetGateway:InternetGateway":
            id = `igw-${hex(name, 17)}`;
            break;
        case "ec2/natGateway:NatGateway":
            id = `nat-${hex(name, 17)}`;
            break;
        case "ec2/eip:Eip":
            id = `eipalloc-${hex(name, 17)}`;
            s.publicIp = "198.51.100.10";
            break;
        case "ec2/vpcEndpoint:VpcEndpoint":
            id = `vpce-${hex(name, 17)}`;
            s.arn = arnOf("ec2", `vpc-endpoint/${id}`);
            break;
        case "glue/catalogDatabase:CatalogDatabase":
            s.name = pn;
            s.arn = arnOf("glue", `database/${pn}`);
            id = `${account}:${pn}`;
            break;
        case "glue/catalogTable:CatalogTable":
            s.name = pn;
            s.arn = arnOf("glue", `table/${inputs.databaseName}/${pn}`);
            id = `${account}:${inputs.databaseName}:${pn}`;
            break;
        case "apigatewayv2/api:Api":
            id = hex(name, 10);
            s.apiEndpoint = `https://${id}.execute-api.${region}.amazonaws.com`;
            s.executionArn = arnOf("execute-api", id);
            s.arn = buildArn({ service: "apigateway", region, resource: `/apis/${id}` });
            break;
        case "apigatewayv2/stage:Stage":
            s.invokeUrl = `https://mock.execute-api.${region}.amazonaws.com/${inputs.name ?? "$default"}`;
            break;
        case "scheduler/schedule:Schedule":
        case "scheduler/scheduleGroup:ScheduleGroup":
            s.name = pn;
            s.arn = arnOf("scheduler", `schedule/${inputs.groupName ?? "default"}/${pn}`);
            id = pn;
            break;
        case "cloudwatch/eventRule:EventRule":
            s.name = pn;
            s.arn = arnOf("events", `rule/${pn}`);
            id = pn;
            break;
        case "cloudwatch/eventBus:EventBus":
            s.name = pn;
            s.arn = arnOf("events", `event-bus/${pn}`);
            id = pn;
            break;
        case "ssm/parameter:Parameter":
            // SSM ARNs join with one slash: parameter/name or parameter/path/name for "/path/name".
            s.name = pn;
            s.arn = arnOf("ssm", `parameter${pn.startsWith("/") ? "" : "/"}${pn}`);
            id = pn;
            break;
        case "athena/workgroup:Workgroup":
            s.name = pn;
            s.arn = arnOf("athena", `workgroup/${pn}`);
            id = pn;
            break;
        default:
            s.arn = s.arn ?? arnOf(service, `${token.charAt(0).toLowerCase()}${token.slice(1)}/${pn}`);
            if (typeof inputs.name === "string") s.name = inputs.name;
            id = `${name}-${hex(name)}`;
    }
    return { id, state: s };
}
