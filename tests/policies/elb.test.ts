import { expect } from "chai";
import httpsOnly from "../../policies/rules/elb/AlbListenerHttpsOnly";
import albWaf from "../../policies/rules/elb/AlbWaf";
import albDeletion from "../../policies/rules/elb/AlbProdDeletionProtection";
import modernTls from "../../policies/rules/elb/AlbListenerModernTls";
import accessLogs from "../../policies/rules/elb/AlbAccessLogs";
import dropHeaders from "../../policies/rules/elb/AlbDropInvalidHeaders";
import { messages, res, runRule } from "./helpers";

const LISTENER = "aws:lb/listener:Listener";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const https = (over: Record<string, any> = {}) =>
    res(LISTENER, "https", { loadBalancerArn: "lb", port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: "c", defaultActions: [{ type: "forward", targetGroupArn: "tg" }], ...over });
const redirect = (over: Record<string, any> = {}) =>
    res(LISTENER, "http", { loadBalancerArn: "lb", port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }], ...over });
const alb = (over: Record<string, any> = {}) => res(LB, "alb", { loadBalancerType: "application", dropInvalidHeaderFields: true, accessLogs: { bucket: "logs", enabled: true, prefix: "alb" }, ...over });

describe("alb-listener-https-only", () => {
    it("Compliance: HTTPS listener", async () => {
        expect(await messages(httpsOnly, https())).to.deep.equal([]);
    });
    it("Compliance: HTTP listener redirecting to HTTPS (also as aws:alb/listener:Listener)", async () => {
        const legacy = { ...redirect(), type: "aws:alb/listener:Listener", urn: "aws:alb/listener:Listener::http" };
        expect(await messages(httpsOnly, redirect(), legacy)).to.deep.equal([]);
    });
    it("Compliance: NLB TCP listeners are not applicable", async () => {
        const r = await runRule(httpsOnly, [https({ protocol: "TCP" })]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["Listener protocol TCP is not HTTP(S)", "Policy only applies to resources of type 'aws:alb/listener:Listener'"]);
    });
    it("Noncompliance 1: fails when HTTP forwards", async () => {
        expect(await messages(httpsOnly, redirect({ defaultActions: [{ type: "forward", targetGroupArn: "tg" }] }))).to.deep.equal([
            `protocol is "HTTP" and the default actions do not all redirect to HTTPS; use HTTPS or a redirect to HTTPS.`,
        ]);
    });
    it("Noncompliance 2: fails when HTTP redirects to HTTP", async () => {
        expect(await messages(httpsOnly, redirect({ defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080", statusCode: "HTTP_301" } }] }))).to.deep.equal([
            `protocol is "HTTP" and the default actions do not all redirect to HTTPS; use HTTPS or a redirect to HTTPS.`,
        ]);
    });
});

describe("alb-listener-modern-tls", () => {
    it("Compliance: TLS13-1-2 policy", async () => {
        expect(await messages(modernTls, https())).to.deep.equal([]);
    });
    it("Compliance: FS-1-2 policy", async () => {
        expect(await messages(modernTls, https({ sslPolicy: "ELBSecurityPolicy-FS-1-2-Res-2020-10" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when sslPolicy is unset", async () => {
        expect(await messages(modernTls, https({ sslPolicy: undefined }))).to.deep.equal(["sslPolicy is not set (AWS default ELBSecurityPolicy-2016-08 allows TLS 1.0); use ELBSecurityPolicy-TLS13-1-2-2021-06."]);
    });
    it("Noncompliance 2: fails when sslPolicy is ELBSecurityPolicy-2016-08", async () => {
        expect(await messages(modernTls, https({ sslPolicy: "ELBSecurityPolicy-2016-08" }))).to.deep.equal([`sslPolicy "ELBSecurityPolicy-2016-08" is not in the ELBSecurityPolicy-TLS13-1-2-* or ELBSecurityPolicy-FS-1-2-* families.`]);
    });
});

describe("alb-access-logs", () => {
    it("Compliance: access logs enabled", async () => {
        expect(await messages(accessLogs, alb())).to.deep.equal([]);
    });
    it("Compliance: network load balancers are not applicable", async () => {
        expect(await messages(accessLogs, alb({ loadBalancerType: "network", accessLogs: undefined }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails without access logs", async () => {
        expect(await messages(accessLogs, alb({ accessLogs: undefined }))).to.deep.equal(["accessLogs is not enabled with a bucket; enable access logs."]);
    });
    it("Noncompliance 2: fails when access logs are disabled", async () => {
        expect(await messages(accessLogs, alb({ accessLogs: { bucket: "logs", enabled: false } }))).to.deep.equal(["accessLogs is not enabled with a bucket; enable access logs."]);
    });
});

describe("alb-drop-invalid-headers", () => {
    it("Compliance: dropInvalidHeaderFields true", async () => {
        expect(await messages(dropHeaders, alb())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when unset", async () => {
        expect(await messages(dropHeaders, alb({ dropInvalidHeaderFields: undefined }))).to.deep.equal(["dropInvalidHeaderFields is not true; drop invalid HTTP headers."]);
    });
});

describe("alb-waf", () => {
    const ARN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/alb/0123456789abcdef";
    const lb = (over: Record<string, any> = {}) => res(LB, "alb", { loadBalancerType: "application", internal: false, ...over }, { outputs: { arn: ARN } });
    const assoc = (resourceArn: string) => res("aws:wafv2/webAclAssociation:WebAclAssociation", "waf", { resourceArn, webAclArn: "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/x/1" });
    it("Compliance: a web ACL association names the load balancer; internal ones are not applicable", async () => {
        expect(await messages(albWaf, lb(), assoc(ARN))).to.deep.equal([]);
        const r = await runRule(albWaf, [lb({ internal: true })]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["The stack has no internet-facing application load balancers"]);
    });
    it("Noncompliance 1: fails when the internet-facing ALB has no web ACL", async () => {
        expect(await messages(albWaf, lb(), assoc("arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/other/1"))).to.deep.equal([
            `Load balancer "alb" is internet-facing and has no WAF web ACL; add an aws.wafv2.WebAclAssociation with its ARN.`,
        ]);
    });
});

describe("alb-prod-deletion-protection", () => {
    const PROD = { Project: "flightstream", Environment: "prod", Owner: "tests", CostCenter: "CC-0", DataClassification: "internal" };
    it("Compliance: production ALB with deletion protection; dev is not applicable", async () => {
        expect(await messages(albDeletion, res(LB, "alb", { enableDeletionProtection: true }, { defaultTags: PROD }))).to.deep.equal([]);
        const r = await runRule(albDeletion, [alb()]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal([`Environment tag is "dev", not production`]);
    });
    it("Noncompliance 1: fails when a production ALB leaves it unset", async () => {
        expect(await messages(albDeletion, res(LB, "alb", {}, { defaultTags: PROD }))).to.deep.equal(["enableDeletionProtection is not set (default false); production load balancers need true."]);
    });
    it("Noncompliance 2: fails when a production ALB sets it false", async () => {
        expect(await messages(albDeletion, res(LB, "alb", { enableDeletionProtection: false }, { defaultTags: PROD }))).to.deep.equal(["enableDeletionProtection is false; production load balancers need true."]);
    });
});
