import { expect } from "chai";
import { KinesisStream, KinesisStreamArgs } from "@flightstream/components/stream";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

const ROLE = "arn:aws:iam::210987654321:role/prod-analytics-processor-role";

function build(args: Partial<KinesisStreamArgs>) {
    return evaluate(() => {
        new KinesisStream("stream", { accountId: "111111111111", region: "eu-west-1", consumers: ["realtime"], crossAccountConsumerAccountIds: ["210987654321"], ...args }, { provider: testProvider() });
    });
}

describe("KinesisStream: cross-account consumers named by role", function () {
    this.timeout(30000);

    it("names exactly the consumer roles in the stream, consumer and key policies", async () => {
        const r = await build({ crossAccountConsumerRoleArns: [ROLE] });
        const principals = all(r, "aws:kinesis/resourcePolicy:ResourcePolicy").map((p) => policyOf(p).Statement.map((s: any) => s.Principal));
        expect(principals).to.deep.equal([[{ AWS: [ROLE] }], [{ AWS: [ROLE] }]]);
        const keyStatement = policyOf(one(r, "aws:kms/key:Key")).Statement.find((s: any) => s.Sid === "CrossAccountConsumersDecryptThroughKinesis");
        expect(keyStatement.Principal).to.deep.equal({ AWS: [ROLE] });
        expect(JSON.stringify(all(r, "aws:kinesis/resourcePolicy:ResourcePolicy").map((p) => p.inputs.policy))).to.not.include(":root");
    });

    it("fails when a consumer role is outside the consumer accounts, or given without them", async () => {
        expect((await evaluateError(() => new KinesisStream("s", { accountId: "111111111111", crossAccountConsumerAccountIds: ["210987654321"], crossAccountConsumerRoleArns: ["arn:aws:iam::999999999999:role/x"] }, { provider: testProvider() }))).message)
            .to.equal('KinesisStream s: `crossAccountConsumerRoleArns[0]` must be an IAM role ARN in one of `crossAccountConsumerAccountIds` (210987654321) (received "arn:aws:iam::999999999999:role/x").');
        expect((await evaluateError(() => new KinesisStream("s", { accountId: "111111111111", crossAccountConsumerRoleArns: [ROLE] }, { provider: testProvider() }))).message)
            .to.equal("KinesisStream s: `crossAccountConsumerRoleArns` must be a non-empty list given together with `crossAccountConsumerAccountIds` (received 1).");
    });
});
