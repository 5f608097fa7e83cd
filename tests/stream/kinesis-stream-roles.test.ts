import { expect } from "chai";
import { KinesisStream } from "@flightstream/components/stream";
import { principals } from "@flightstream/components/common/grants";
import { all, evaluate, one, policyOf, testProvider } from "../helpers/pulumi";

const STREAM_ACCOUNT = "111111111111";
const ROLE = "arn:aws:iam::210987654321:role/prod-analytics-processor-role";

describe("KinesisStream: cross-account consumers named by role through grants", function () {
    this.timeout(30000);

    it("names exactly the consumer role in the stream, consumer and key policies, and no account root", async () => {
        const r = await evaluate(() => {
            const s = new KinesisStream("stream", { accountId: STREAM_ACCOUNT, region: "eu-west-1", consumers: ["realtime", "other"] }, { provider: testProvider("ingestion", STREAM_ACCOUNT) });
            s.grantConsume("processor", principals.roleArn(ROLE, "210987654321"), "realtime");
        });
        const policies = all(r, "aws:kinesis/resourcePolicy:ResourcePolicy");
        // only the consumer the grant names gets a policy
        expect(policies.map((p) => p.name)).to.deep.equal(["stream-policy", "stream-realtime-policy"]);
        expect(policies.map((p) => policyOf(p).Statement.map((s: any) => s.Principal))).to.deep.equal([[{ AWS: ROLE }], [{ AWS: ROLE }]]);
        const key = policyOf(one(r, "aws:kms/key:Key")).Statement;
        expect(key.map((s: any) => s.Principal)).to.deep.equal([{ AWS: `arn:aws:iam::${STREAM_ACCOUNT}:root` }, { AWS: ROLE }]);
        expect(JSON.stringify(policies.map((p) => p.inputs.policy))).to.not.include(":root");
    });

    it("adds no resource policy for a principal in the stream's own account", async () => {
        const r = await evaluate(() => {
            const s = new KinesisStream("stream", { accountId: STREAM_ACCOUNT, consumers: ["realtime"] }, { provider: testProvider("ingestion", STREAM_ACCOUNT) });
            s.grantConsume("processor", principals.roleArn(`arn:aws:iam::${STREAM_ACCOUNT}:role/p`, STREAM_ACCOUNT), "realtime");
        });
        expect(all(r, "aws:kinesis/resourcePolicy:ResourcePolicy")).to.have.length(0);
        expect(policyOf(one(r, "aws:kms/key:Key")).Statement).to.have.length(1);
    });
});
