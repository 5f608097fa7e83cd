/**
 * What the offline plan and the policy pack see of an `awsx.ec2.Vpc`
 * (docs/design-network.md). @pulumi/awsx's Node SDK declares `Vpc` as a remote
 * (multi-language) component — its constructor is
 * `super("awsx:ec2:Vpc", name, inputs, opts, true /* remote *\/)` with every
 * output key passed undefined — and its subnets, route tables, routes and
 * gateways are created by the awsx provider plugin, which the mock engine never
 * runs. `RemoteVpc` below registers exactly like that (measured against
 * @pulumi/awsx 3.9.0 from the registry: the same single record, no children),
 * so these tests pin the behaviour without making the platform depend on awsx.
 */
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWSX_VPC } from "../../plan/mocks";
import { runPackOffline } from "../../policies/offline";
import { policies } from "../../policies/pack";
import { evaluate, testProvider } from "../helpers/pulumi";

class RemoteVpc extends pulumi.ComponentResource {
    declare readonly vpcId: pulumi.Output<string>;
    declare readonly publicSubnetIds: pulumi.Output<string[]>;
    declare readonly isolatedSubnetIds: pulumi.Output<string[]>;
    declare readonly privateSubnetIds: pulumi.Output<string[]>;
    constructor(name: string, args: Record<string, unknown>, opts: pulumi.ComponentResourceOptions = {}) {
        const outputs = ["vpcId", "publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds", "subnets", "routeTables", "routes", "internetGateway", "vpc"]; // natGateways is an input too
        super(AWSX_VPC, name, { ...args, ...Object.fromEntries(outputs.map((k) => [k, undefined])) }, opts, true);
    }
}

/** The ingestion VPC's layout as awsx inputs: no NAT, 2 public /20s, 2 isolated /18s (no route out). */
const INGESTION_LIKE = {
    cidrBlock: "10.10.0.0/16",
    availabilityZoneNames: ["eu-west-1a", "eu-west-1b"],
    natGateways: { strategy: "None" },
    subnetStrategy: "Exact",
    subnetSpecs: [
        { type: "Public", cidrBlocks: ["10.10.192.0/20", "10.10.208.0/20"] },
        { type: "Isolated", cidrBlocks: ["10.10.0.0/18", "10.10.64.0/18"] },
    ],
};

const ec2Rules = policies.filter((r) => r.id === "vpc-flow-logs" || r.id === "ec2-default-security-group-closed");

describe("awsx.ec2.Vpc under the mock engine (why the VPCs stay plain aws.ec2 resources)", function () {
    this.timeout(60000);

    it("registers one non-custom record with its inputs and no children: no subnet, route table, route or gateway is in the plan", async () => {
        const r = await evaluate(() => {
            new RemoteVpc("net", INGESTION_LIKE, { provider: testProvider() });
        });
        const vpc = r.resources.find((x) => x.type === AWSX_VPC)!;
        expect(vpc.custom).to.equal(false);
        expect(vpc.inputs.natGateways).to.deep.equal({ strategy: "None" });
        expect(vpc.inputs.subnetSpecs).to.deep.equal(INGESTION_LIKE.subnetSpecs);
        expect(r.resources.filter((x) => x.parentUrn === vpc.urn)).to.deep.equal([]);
        expect(r.resources.filter((x) => x.type.startsWith("aws:ec2/")).map((x) => x.type)).to.deep.equal([]);
    });

    it("resolves dependents from the outputs plan/mocks.ts synthesizes (VPC id, one subnet id per CIDR block)", async () => {
        const r = await evaluate(() => {
            const vpc = new RemoteVpc("net", INGESTION_LIKE, { provider: testProvider() });
            new aws.ec2.DefaultSecurityGroup("net-default-sg", { vpcId: vpc.vpcId, ingress: [], egress: [] }, { provider: testProvider("p2") });
            return { vpcId: vpc.vpcId, publicSubnetIds: vpc.publicSubnetIds, isolatedSubnetIds: vpc.isolatedSubnetIds, privateSubnetIds: vpc.privateSubnetIds };
        });
        const outputs = r.outputs as Record<string, any>;
        expect(outputs.vpcId).to.match(/^vpc-[0-9a-f]{17}$/);
        expect(outputs.publicSubnetIds).to.have.length(2);
        expect(outputs.isolatedSubnetIds).to.have.length(2);
        expect(outputs.privateSubnetIds).to.deep.equal([]);
        expect(r.resources.find((x) => x.name === "net-default-sg")!.inputs.vpcId).to.equal(outputs.vpcId);
    });

    it("a plain aws.ec2.Vpc without flow log or managed default group fails both network rules", async () => {
        const r = await evaluate(() => {
            new aws.ec2.Vpc("net", { cidrBlock: "10.10.0.0/16" }, { provider: testProvider() });
        });
        const out = await runPackOffline(r, { rules: ec2Rules });
        expect(out.violations.map((v) => v.policy).sort()).to.deep.equal(["ec2-default-security-group-closed", "vpc-flow-logs"]);
    });

    it("the same omissions inside awsx.ec2.Vpc pass unnoticed: the pack sees no VPC (vpc-flow-logs is not applicable)", async () => {
        const r = await evaluate(() => {
            new RemoteVpc("net", INGESTION_LIKE, { provider: testProvider() });
        });
        const out = await runPackOffline(r, { rules: ec2Rules });
        expect(out.violations).to.deep.equal([]);
        expect(
            out.notApplicable
                .filter((n) => n.resource === "stack")
                .map((n) => `${n.policy}: ${n.reason}`)
                .sort(),
        ).to.deep.equal(["ec2-default-security-group-closed: The stack has no VPCs", "vpc-flow-logs: The stack has no VPCs"]);
    });
});
