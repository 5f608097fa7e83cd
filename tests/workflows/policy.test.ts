/** The workflow components pass the platform's policy pack (run offline over the mocked resources). */
import { expect } from "chai";
import { evaluate, testProvider } from "../helpers/pulumi";
import { runPackOffline } from "../../policies/offline";
import { ReplayWorkflow, ReshardWorkflow, TrafficShiftWorkflow } from "@flightstream/components/workflows";

const ACCOUNT = "111111111111";

describe("workflows: policy pack", function () {
    this.timeout(60000);
    it("reports no violations for the three workflows", async () => {
        const r = await evaluate(() => {
            const provider = testProvider();
            const alarms = { routing: { page: ["arn:aws:sns:eu-west-1:111111111111:page"], ticket: ["arn:aws:sns:eu-west-1:111111111111:ticket"] } };
            new ReplayWorkflow(
                "replay",
                {
                    accountId: ACCOUNT,
                    region: "eu-west-1",
                    streamName: "s",
                    streamArn: `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/s`,
                    streamKmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k`,
                    retentionHours: 24,
                    processorFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:p`,
                    lakeBucketName: "lake",
                    lakeBucketArn: "arn:aws:s3:::lake",
                    lakeKmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/l",
                    alarms,
                },
                { provider },
            );
            new ReshardWorkflow("reshard", { accountId: ACCOUNT, region: "eu-west-1", streamName: "s", streamArn: `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/s`, alarms }, { provider });
            new TrafficShiftWorkflow("traffic-shift", { accountId: ACCOUNT, region: "eu-west-1", hostedZoneId: "Z0123456789ABC", recordNames: ["ingest.example.com"], alarms }, { provider });
        });
        const res = await runPackOffline(r);
        expect(res.violations.map((v: any) => `${v.policy} ${v.resource}: ${v.message}`)).to.deep.equal([]);
    });
});
