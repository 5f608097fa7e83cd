import { expect } from "chai";
import { plan } from "./plans";
import { runPolicies } from "../../plan/policies";
import { fixedOnH16b } from "./pending";
import type { Violation } from "../../plan/report";

const line = (v: Violation) => `[${v.policy}] ${v.resource}: ${v.message}`;

describe("policy pack over the dev and prod plans", function () {
    this.timeout(180000);
    for (const stack of ["dev", "prod"] as const) {
        it(`the ${stack} plan has zero mandatory violations (except the pending h16b fixes below)`, async () => {
            const { violations } = await runPolicies(await plan(stack));
            const mandatory = violations.filter((v) => v.level === "mandatory" && !fixedOnH16b(v)).map(line);
            expect(mandatory, `mandatory violations in the ${stack} plan:\n${mandatory.join("\n")}`).to.deep.equal([]);
        });
        // Pending until the h16b merge: WAF, flow logs, default SGs, port 80 and the ALB log-delivery grant are fixed on h16b's branch.
        it.skip(`the ${stack} plan has zero mandatory violations from the rules h16b's stack fixes satisfy (until the h16b merge)`, async () => {
            const { violations } = await runPolicies(await plan(stack));
            const pending = violations.filter((v) => v.level === "mandatory" && fixedOnH16b(v)).map(line);
            expect(pending, `mandatory violations in the ${stack} plan:\n${pending.join("\n")}`).to.deep.equal([]);
        });
        it(`the ${stack} plan's pending h16b findings are exactly the known ones (delete this test with the h16b merge)`, async () => {
            const { violations } = await runPolicies(await plan(stack));
            const pending = violations.filter((v) => v.level === "mandatory" && fixedOnH16b(v)).map((v) => `${v.policy} ${v.resource.split("$").pop()}`);
            expect(pending).to.deep.equal([
                "resource-policy-service-confused-deputy aws:s3/bucketPolicy:BucketPolicy::ingestion-alb-logs",
                "ec2-no-open-ingress aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::ingestion-alb-http",
                "ec2-default-security-group-closed aws:ec2/vpc:Vpc::ingestion-vpc",
                "ec2-default-security-group-closed aws:ec2/vpc:Vpc::analytics-db-vpc",
                "vpc-flow-logs aws:ec2/vpc:Vpc::ingestion-vpc",
                "vpc-flow-logs aws:ec2/vpc:Vpc::analytics-db-vpc",
                "alb-waf aws:lb/loadBalancer:LoadBalancer::ingestion-alb",
            ]);
        });
    }
});
