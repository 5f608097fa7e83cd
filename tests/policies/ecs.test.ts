import { expect } from "chai";
import rule from "../../policies/rules/ecs/EcsServiceNoPublicIp";
import { messages, res } from "./helpers";

const SVC = "aws:ecs/service:Service";
const svc = (assignPublicIp?: boolean) => res(SVC, "ingest", { cluster: "c", taskDefinition: "td", launchType: "FARGATE", networkConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp } });

describe("ecs-service-no-public-ip", () => {
    it("Compliance: assignPublicIp false", async () => {
        expect(await messages(rule, svc(false))).to.deep.equal([]);
    });
    it("Compliance: assignPublicIp unset (default false)", async () => {
        expect(await messages(rule, svc(undefined))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when assignPublicIp is true", async () => {
        expect(await messages(rule, svc(true))).to.deep.equal(["networkConfiguration.assignPublicIp is true; run tasks in private subnets without public IPs."]);
    });
});
