import { expect } from "chai";
import { ARN_PATTERNS, arnRegion, buildArn, parseArn, principalAccount } from "../../functions/shared/arn";
import { parseMaybeJson } from "../../functions/shared/json";
import { synthesize } from "../../plan/mocks";
import { principalAccount as policyPrincipalAccount } from "../../policies/lib/conditions";

describe("shared: ARN building and parsing (one module for the mocks, the policy pack and the local Data API)", () => {
    it("builds regional and global ARNs", () => {
        expect(buildArn({ service: "kinesis", region: "eu-west-1", account: "111111111111", resource: "stream/s" })).to.equal("arn:aws:kinesis:eu-west-1:111111111111:stream/s");
        expect(buildArn({ service: "iam", account: "111111111111", resource: "role/r" })).to.equal("arn:aws:iam::111111111111:role/r");
        expect(buildArn({ service: "s3", resource: "bucket" })).to.equal("arn:aws:s3:::bucket");
        expect(buildArn({ partition: "aws-us-gov", service: "sqs", region: "us-gov-west-1", account: "111111111111", resource: "q" })).to.equal("arn:aws-us-gov:sqs:us-gov-west-1:111111111111:q");
    });

    it("parses what it builds, keeping the resource's own colons", () => {
        const arn = buildArn({ service: "states", region: "eu-west-1", account: "111111111111", resource: "execution:prod-replay:ops-1" });
        expect(parseArn(arn)).to.deep.equal({ partition: "aws", service: "states", region: "eu-west-1", account: "111111111111", resource: "execution:prod-replay:ops-1" });
        expect(parseArn("arn:aws:s3:::bucket/key")).to.deep.equal({ partition: "aws", service: "s3", region: "", account: "", resource: "bucket/key" });
        expect(arnRegion("arn:aws:secretsmanager:eu-central-1:111111111111:secret:k-abc")).to.equal("eu-central-1");
        expect(arnRegion("arn:aws:iam::111111111111:role/r")).to.equal(undefined);
    });

    it("fails when the value is not an ARN (parse gives undefined)", () => {
        for (const v of ["", "arn:aws:kinesis", "arn:aws:kinesis:eu-west-1:12345:stream/s", "urn:aws:s3:::b", 42, undefined]) expect(parseArn(v), String(v)).to.equal(undefined);
    });

    it("reads the account of a principal, for the policy pack", () => {
        expect(principalAccount("111111111111")).to.equal("111111111111");
        expect(principalAccount("arn:aws:iam::222222222222:root")).to.equal("222222222222");
        expect(principalAccount("arn:aws:sts::222222222222:assumed-role/deploy/x")).to.equal("222222222222");
        expect(principalAccount("arn:aws:s3:::bucket")).to.equal(undefined);
        expect(principalAccount("arn:aws:kinesis:eu-west-1:222222222222:stream/s")).to.equal(undefined);
        expect(policyPrincipalAccount).to.equal(principalAccount);
    });

    it("the mock engine's ARNs are the ones the patterns accept and the parser reads", () => {
        const stream = synthesize("aws:kinesis/stream:Stream", "events", { name: "prod-events" }, "111111111111", "eu-west-1").state.arn;
        expect(stream).to.equal("arn:aws:kinesis:eu-west-1:111111111111:stream/prod-events");
        expect(ARN_PATTERNS.kinesisStream.test(stream)).to.equal(true);
        const cluster = synthesize("aws:rds/cluster:Cluster", "db", { clusterIdentifier: "prod-db", manageMasterUserPassword: true }, "111111111111", "eu-west-1").state;
        expect(ARN_PATTERNS.rdsCluster.test(cluster.arn)).to.equal(true);
        expect(ARN_PATTERNS.secret.test(cluster.masterUserSecrets[0].secretArn)).to.equal(true);
        const role = synthesize("aws:iam/role:Role", "r", { name: "r" }, "111111111111", "eu-west-1").state.arn;
        expect(role).to.equal("arn:aws:iam::111111111111:role/r");
        expect(principalAccount(role)).to.equal("111111111111");
        const sm = synthesize("aws:sfn/stateMachine:StateMachine", "m", { name: "prod-replay" }, "111111111111", "eu-west-1").state.arn;
        expect(ARN_PATTERNS.stateMachine.test(sm)).to.equal(true);
        expect(ARN_PATTERNS.kinesisStream.test("arn:aws:kinesis:eu-west-1:111111111111:stream/")).to.equal(false);
    });

    it("parseMaybeJson parses JSON strings and passes everything else through", () => {
        expect(parseMaybeJson('{"a":1}')).to.deep.equal({ a: 1 });
        expect(parseMaybeJson("not json")).to.equal("not json");
        const o = { a: 1 };
        expect(parseMaybeJson(o)).to.equal(o);
    });
});
