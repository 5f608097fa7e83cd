/**
 * The ingestion network: the VPC with public (ALB) and private (tasks) subnets
 * unless `vpcId` is given, the ALB / task / endpoint security groups and the VPC
 * endpoints (stream traffic stays off NAT and the internet). Children of the
 * IngestionService (same names and parent as before the split).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { IngestionServiceArgs } from "./IngestionService";
import type { IngestionSettings } from "./settings";

export interface IngestionNetwork {
    readonly vpcId: pulumi.Output<string>;
    readonly vpc?: aws.ec2.Vpc;
    readonly defaultSecurityGroup?: aws.ec2.DefaultSecurityGroup;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly albSecurityGroup: aws.ec2.SecurityGroup;
    readonly taskSecurityGroup: aws.ec2.SecurityGroup;
    readonly endpointSecurityGroup?: aws.ec2.SecurityGroup;
    readonly vpcEndpoints: aws.ec2.VpcEndpoint[];
}

export function ingestionNetwork(scope: pulumi.Resource, name: string, args: IngestionServiceArgs, s: IngestionSettings): IngestionNetwork {
    const parent = { parent: scope };
    const tags = s.tags;
    let vpc: aws.ec2.Vpc | undefined;
    let defaultSecurityGroup: aws.ec2.DefaultSecurityGroup | undefined;
    let vpcId: pulumi.Output<string>;
    let publicSubnetIds: pulumi.Output<string>[];
    let privateSubnetIds: pulumi.Output<string>[];
    let privateRouteTableIds: pulumi.Input<string>[];
    if (args.vpcId === undefined) {
        const created = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: s.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${name}-vpc` } }, parent);
        vpc = created;
        // Adopted and stripped: nothing may use the default group by accident.
        defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: created.id, ingress: [], egress: [], tags: { ...tags, Name: `${name}-default (unused, no rules)` } }, parent);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: created.id, tags: { ...tags, Name: `${name}-igw` } }, parent);
        const publicRt = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: created.id, tags: { ...tags, Name: `${name}-public` } }, parent);
        new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
        const privateRt = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: created.id, tags: { ...tags, Name: `${name}-private` } }, parent);
        const subnets = (tier: "public" | "private", cidrs: string[], routeTable: aws.ec2.RouteTable) =>
            s.azs.map((az, i) => {
                const subnet = new aws.ec2.Subnet(`${name}-${tier}-${i}`, { vpcId: created.id, cidrBlock: cidrs[i], availabilityZone: az, mapPublicIpOnLaunch: false, tags: { ...tags, Name: `${name}-${tier}-${az}`, Tier: tier } }, parent);
                new aws.ec2.RouteTableAssociation(`${name}-${tier}-${i}`, { subnetId: subnet.id, routeTableId: routeTable.id }, parent);
                return subnet;
            });
        const publicSubnets = subnets("public", s.subnetPlan!.publicCidrs, publicRt);
        const privateSubnets = subnets("private", s.subnetPlan!.privateCidrs, privateRt);
        vpcId = created.id;
        publicSubnetIds = publicSubnets.map((x) => x.id);
        privateSubnetIds = privateSubnets.map((x) => x.id);
        privateRouteTableIds = [privateRt.id];
    } else {
        vpcId = pulumi.output(args.vpcId);
        publicSubnetIds = args.publicSubnetIds!.map((x) => pulumi.output(x));
        privateSubnetIds = args.privateSubnetIds!.map((x) => pulumi.output(x));
        privateRouteTableIds = args.privateRouteTableIds ?? [];
    }

    // ---- security groups ----
    const port = s.containerPort;
    const albSecurityGroup = new aws.ec2.SecurityGroup(`${name}-alb-sg`, { vpcId, description: `${name}: internet-facing ALB (HTTPS; HTTP only redirects)`, tags: { ...tags, Name: `${name}-alb` } }, parent);
    const taskSecurityGroup = new aws.ec2.SecurityGroup(`${name}-task-sg`, { vpcId, description: `${name}: ingestion tasks (only the ALB reaches them)`, tags: { ...tags, Name: `${name}-tasks` } }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-alb-https`, { securityGroupId: albSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS from anywhere" }, parent);
    new aws.vpc.SecurityGroupIngressRule(`${name}-alb-http`, { securityGroupId: albSecurityGroup.id, ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0", description: "HTTP, answered only with a redirect to HTTPS" }, parent);
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-alb-to-tasks`,
        { securityGroupId: albSecurityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: taskSecurityGroup.id, description: "to the ingestion tasks" },
        parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-task-from-alb`,
        { securityGroupId: taskSecurityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: albSecurityGroup.id, description: "from the ALB only" },
        parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-task-https-out`,
        { securityGroupId: taskSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS to VPC endpoints (Kinesis, ECR, Logs, S3)" },
        parent,
    );

    // ---- VPC endpoints (stream traffic stays off NAT and the internet) ----
    const vpcEndpoints: aws.ec2.VpcEndpoint[] = [];
    let endpointSecurityGroup: aws.ec2.SecurityGroup | undefined;
    if (s.vpcEndpoints) {
        endpointSecurityGroup = new aws.ec2.SecurityGroup(`${name}-endpoint-sg`, { vpcId, description: `${name}: interface VPC endpoints (HTTPS from the tasks)`, tags: { ...tags, Name: `${name}-endpoints` } }, parent);
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-endpoint-from-tasks`,
            { securityGroupId: endpointSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: taskSecurityGroup.id, description: "HTTPS from the ingestion tasks" },
            parent,
        );
        for (const service of ["kinesis-streams", "ecr.api", "ecr.dkr", "logs"]) {
            vpcEndpoints.push(
                new aws.ec2.VpcEndpoint(
                    `${name}-vpce-${service.replace(".", "-")}`,
                    {
                        vpcId,
                        serviceName: `com.amazonaws.${args.region}.${service}`,
                        vpcEndpointType: "Interface",
                        privateDnsEnabled: true,
                        subnetIds: privateSubnetIds,
                        securityGroupIds: [endpointSecurityGroup.id],
                        tags: { ...tags, Name: `${name}-${service}` },
                    },
                    parent,
                ),
            );
        }
        if (privateRouteTableIds.length > 0) {
            vpcEndpoints.push(
                new aws.ec2.VpcEndpoint(
                    `${name}-vpce-s3`,
                    {
                        vpcId,
                        serviceName: `com.amazonaws.${args.region}.s3`,
                        vpcEndpointType: "Gateway",
                        routeTableIds: privateRouteTableIds,
                        tags: { ...tags, Name: `${name}-s3` },
                    },
                    parent,
                ),
            );
        }
    }
    return { vpcId, vpc, defaultSecurityGroup, publicSubnetIds, privateSubnetIds, albSecurityGroup, taskSecurityGroup, endpointSecurityGroup, vpcEndpoints };
}
