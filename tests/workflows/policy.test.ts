/** The workflow components pass the platform's policy pack (run offline over the mocked resources). */
import { expect } from "chai";
import { evaluate, testProvider } from "../helpers/pulumi";
import { runPackOffline } from "../../policies/offline";
import { ReplayWorkflow, ReshardWorkflow, TrafficShiftWorkflow } from "@flightstream/components/workflows";
import { KinesisStreamRef, LakeBucketRef } from "@flightstream/components/common/grants";

const ACCOUNT = "111111111111";
const stream = KinesisStreamRef.fromStreamAttributes({ streamArn: `arn:aws:kinesis:eu-west-1:${ACCOUNT}:stream/s`, streamName: "s", keyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k` });

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
                    stream,
                    retentionHours: 24,
                    processorFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:p`,
                    lake: LakeBucketRef.fromBucketAttributes({ bucketArn: "arn:aws:s3:::lake", bucketName: "lake", keyArn: "arn:aws:kms:eu-west-1:222222222222:key/l", label: "Lake" }),
                    alarms,
                },
                { provider },
            );
            new ReshardWorkflow("reshard", { accountId: ACCOUNT, region: "eu-west-1", stream, alarms }, { provider });
            new TrafficShiftWorkflow("traffic-shift", { accountId: ACCOUNT, region: "eu-west-1", hostedZoneId: "Z0123456789ABC", recordNames: ["ingest.example.com"], alarms }, { provider });
        });
        const res = await runPackOffline(r);
        expect(res.violations.map((v: any) => `${v.policy} ${v.resource}: ${v.message}`)).to.deep.equal([]);
    });
});
