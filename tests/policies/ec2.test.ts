import { expect } from "chai";
import openIngress from "../../policies/rules/ec2/SecurityGroupOpenIngress";
import adminPorts from "../../policies/rules/ec2/SecurityGroupNoAdminPorts";
import defaultSg from "../../policies/rules/ec2/DefaultSecurityGroupClosed";
import flowLogs from "../../policies/rules/ec2/VpcFlowLogs";
import { messages, res, runRule } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const VPC = "aws:ec2/vpc:Vpc";
const sg = (name: string, inputs: Record<string, any> = {}) => res(SG, name, { vpcId: "vpc-1", description: name, ...inputs }, { outputs: { arn: `arn:aws:ec2:eu-west-1:111111111111:security-group/sg-${name}` } });
const ingress = (name: string, over: Record<string, any>) => res(INGRESS, name, { securityGroupId: "sg-alb", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", ...over });
const lb = (over: Record<string, any> = {}) => res(LB, "alb", { loadBalancerType: "application", internal: false, securityGroups: ["sg-alb"], ...over });
const LISTENER = "aws:lb/listener:Listener";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const lbWithArn = () => res(LB, "alb", { loadBalancerType: "application", internal: false, securityGroups: ["sg-alb"] }, { outputs: { arn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/alb/1" } });
const listener80 = (actions: unknown[]) =>
    res(
        LISTENER,
        "http",
        { loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/alb/1", port: 80, protocol: "HTTP", defaultActions: actions },
        { outputs: { arn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/alb/1/80" } },
    );
const REDIRECT = { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } };
const vpc = (name = "main") => res(VPC, name, { cidrBlock: "10.0.0.0/16" }, { outputs: { arn: `arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-${name}` } });

describe("ec2-no-open-ingress", () => {
    it("Compliance: tcp 443 from anywhere on an internet-facing load balancer's group, private CIDRs elsewhere", async () => {
        const db = sg("db", { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }] });
        expect(await messages(openIngress, sg("alb"), lb(), ingress("https", {}), db)).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when port 80 is open to anywhere on the load balancer's group", async () => {
        expect(await messages(openIngress, sg("alb"), lb(), ingress("http", { fromPort: 80, toPort: 80 }))).to.deep.equal([
            `Security group "alb" (rule "http") allows tcp 80 from 0.0.0.0/0; only tcp 443 on an internet-facing load balancer may be open to anywhere (and tcp 80 when its port-80 listeners only redirect to HTTPS).`,
        ]);
    });
    it("Compliance: tcp 80 from anywhere when the load balancer's only port-80 listener redirects to HTTPS", async () => {
        expect(await messages(openIngress, sg("alb"), lbWithArn(), listener80([REDIRECT]), ingress("http", { fromPort: 80, toPort: 80 }))).to.deep.equal([]);
    });
    it("Noncompliance 1b: fails when the port-80 listener forwards, or a listener rule hangs on it", async () => {
        const msg = `Security group "alb" (rule "http") allows tcp 80 from 0.0.0.0/0; only tcp 443 on an internet-facing load balancer may be open to anywhere (and tcp 80 when its port-80 listeners only redirect to HTTPS).`;
        expect(await messages(openIngress, sg("alb"), lbWithArn(), listener80([{ type: "forward", targetGroupArn: "tg" }]), ingress("http", { fromPort: 80, toPort: 80 }))).to.deep.equal([msg]);
        const rule = res(LISTENER_RULE, "vendor", { listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/alb/1/80", actions: [{ type: "forward", targetGroupArn: "tg" }] });
        expect(await messages(openIngress, sg("alb"), lbWithArn(), listener80([REDIRECT]), rule, ingress("http", { fromPort: 80, toPort: 80 }))).to.deep.equal([msg]);
    });
    it("Noncompliance 2: fails when 443 is open to anywhere on a group of an internal load balancer", async () => {
        expect(await messages(openIngress, sg("alb"), lb({ internal: true }), ingress("https", { cidrIpv4: undefined, cidrIpv6: "::/0" }))).to.deep.equal([
            `Security group "alb" (rule "https") allows tcp 443 from ::/0 but is not attached to an internet-facing load balancer; admit the callers' CIDRs or security groups only.`,
        ]);
    });
    it("Noncompliance 3: fails when an inline rule opens all traffic", async () => {
        expect(await messages(openIngress, sg("app", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }] }))).to.deep.equal([
            `Security group "app" (ingress[0]) allows all traffic from 0.0.0.0/0 and ::/0; only tcp 443 on an internet-facing load balancer may be open to anywhere (and tcp 80 when its port-80 listeners only redirect to HTTPS).`,
        ]);
    });
    it("Noncompliance 4: fails when a SecurityGroupRule opens a port range to anywhere", async () => {
        const r = res(RULE, "range", { type: "ingress", protocol: "tcp", fromPort: 8000, toPort: 9000, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-app" });
        expect(await messages(openIngress, sg("app"), r)).to.deep.equal([
            `Security group "app" (rule "range") allows tcp 8000-9000 from 0.0.0.0/0; only tcp 443 on an internet-facing load balancer may be open to anywhere (and tcp 80 when its port-80 listeners only redirect to HTTPS).`,
        ]);
    });
    it("Compliance: egress SecurityGroupRules are not ingress", async () => {
        const r = res(RULE, "out", { type: "egress", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-app" });
        expect(await messages(openIngress, sg("app"), r)).to.deep.equal([]);
    });
});

describe("ec2-no-ssh-rdp-from-anywhere", () => {
    it("Compliance: SSH from a private range only", async () => {
        expect(await messages(adminPorts, sg("bastion", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }] }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when port 22 is open to anywhere", async () => {
        expect(await messages(adminPorts, ingress("ssh", { fromPort: 22, toPort: 22 }))).to.deep.equal([`rule "ssh" allows tcp 22 from 0.0.0.0/0, which reaches port 22 (SSH); never open remote administration to anywhere.`]);
    });
    it("Noncompliance 2: fails when a range covering 3389 is open to ::/0", async () => {
        expect(await messages(adminPorts, sg("win", { ingress: [{ protocol: "tcp", fromPort: 3000, toPort: 4000, ipv6CidrBlocks: ["::/0"] }] }))).to.deep.equal([
            `ingress[0] allows tcp 3000-4000 from ::/0, which reaches port 3389 (RDP); never open remote administration to anywhere.`,
        ]);
    });
    it("Noncompliance 3: fails when all traffic is open (both ports)", async () => {
        expect(await messages(adminPorts, res(RULE, "all", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-x" }))).to.deep.equal([
            `rule "all" allows all traffic from 0.0.0.0/0, which reaches port 22 (SSH) and port 3389 (RDP); never open remote administration to anywhere.`,
        ]);
    });
});

describe("ec2-default-security-group-closed", () => {
    const dsg = (over: Record<string, any> = {}) => res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "main-default", { vpcId: "vpc-main", ingress: [], egress: [], ...over });
    it("Compliance: the VPC's default group is managed with no rules", async () => {
        expect(await messages(defaultSg, vpc(), dsg())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the VPC's default group is not managed", async () => {
        expect(await messages(defaultSg, vpc())).to.deep.equal([
            `VPC "main" does not manage its default security group, which keeps AWS's allow-all-between-members and allow-all-egress rules; add an aws.ec2.DefaultSecurityGroup with its vpcId and no rules.`,
        ]);
    });
    it("Noncompliance 2: fails when the default group has rules", async () => {
        expect(await messages(defaultSg, vpc(), dsg({ ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }], egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }))).to.deep.equal([
            `Default security group "main-default" has 1 ingress and 1 egress rule(s); the default group must have none (use dedicated groups).`,
        ]);
    });
});

describe("vpc-flow-logs", () => {
    it("Compliance: a flow log names the VPC", async () => {
        expect(await messages(flowLogs, vpc(), res("aws:ec2/flowLog:FlowLog", "main-flow", { vpcId: "vpc-main", trafficType: "ALL", logDestination: "arn:aws:logs:eu-west-1:111111111111:log-group:flow" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a VPC has no flow log (another VPC's does not count)", async () => {
        expect(await messages(flowLogs, vpc(), vpc("other"), res("aws:ec2/flowLog:FlowLog", "other-flow", { vpcId: "vpc-other", trafficType: "ALL" }))).to.deep.equal([
            `VPC "main" has no flow log; add an aws.ec2.FlowLog with its vpcId (trafficType "ALL") delivering to an encrypted log group or bucket.`,
        ]);
    });
    it("Compliance: not applicable without VPCs", async () => {
        const r = await runRule(flowLogs, [sg("x")]);
        expect(r.notApplicable).to.deep.equal([{ policy: "vpc-flow-logs", resource: "stack", reason: "The stack has no VPCs" }]);
    });
});
