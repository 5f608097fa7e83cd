import { expect } from "chai";
import rule from "../../policies/rules/firehose/FirehoseCmkEncryption";
import { KEY_ARN, messages, res } from "./helpers";

const FH = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream";
const MSG = `Neither serverSideEncryption with keyType "CUSTOMER_MANAGED_CMK" and a keyArn nor an S3 destination with a customer-managed kmsKeyArn is configured.`;
const s3Dest = (over: Record<string, any> = {}) =>
    res(FH, "delivery", {
        destination: "extended_s3",
        kinesisSourceConfiguration: { kinesisStreamArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/events", roleArn: "arn:aws:iam::111111111111:role/r" },
        extendedS3Configuration: { bucketArn: "arn:aws:s3:::lake", roleArn: "arn:aws:iam::111111111111:role/r", kmsKeyArn: KEY_ARN, ...over },
    });
const directPut = (sse: Record<string, any> | undefined) =>
    res(FH, "direct", { destination: "extended_s3", serverSideEncryption: sse, extendedS3Configuration: { bucketArn: "arn:aws:s3:::lake", roleArn: "arn:aws:iam::111111111111:role/r" } });

describe("firehose-cmk-encryption", () => {
    it("Compliance: S3 destination with a customer-managed kmsKeyArn", async () => {
        expect(await messages(rule, s3Dest())).to.deep.equal([]);
    });
    it("Compliance: serverSideEncryption CUSTOMER_MANAGED_CMK", async () => {
        expect(await messages(rule, directPut({ enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: KEY_ARN }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the S3 destination has no kmsKeyArn", async () => {
        expect(await messages(rule, s3Dest({ kmsKeyArn: undefined }))).to.deep.equal([MSG]);
    });
    it("Noncompliance 2: fails when the S3 destination uses alias/aws/s3", async () => {
        expect(await messages(rule, s3Dest({ kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/aws/s3" }))).to.deep.equal([MSG]);
    });
    it("Noncompliance 3: fails when serverSideEncryption uses AWS_OWNED_CMK", async () => {
        expect(await messages(rule, directPut({ enabled: true, keyType: "AWS_OWNED_CMK" }))).to.deep.equal([MSG]);
    });
    it("Noncompliance 4: fails when serverSideEncryption is disabled", async () => {
        expect(await messages(rule, directPut({ enabled: false, keyType: "CUSTOMER_MANAGED_CMK", keyArn: KEY_ARN }))).to.deep.equal([MSG]);
    });
});
