import { expect } from "chai";
import rule from "../../policies/rules/secretsmanager/SecretCmkEncryption";
import rotation from "../../policies/rules/secretsmanager/SecretRotation";
import { KEY_ARN, messages, res, runRule } from "./helpers";

const SECRET = "aws:secretsmanager/secret:Secret";
const CLUSTER = "aws:rds/cluster:Cluster";

describe("secret-cmk-encryption", () => {
    it("Compliance: secret with a customer-managed key", async () => {
        expect(await messages(rule, res(SECRET, "s", { kmsKeyId: KEY_ARN }))).to.deep.equal([]);
    });
    it("Compliance: RDS-managed master secret with a customer-managed key", async () => {
        expect(await messages(rule, res(CLUSTER, "db", { manageMasterUserPassword: true, masterUserSecretKmsKeyId: KEY_ARN }))).to.deep.equal([]);
    });
    it("Compliance: clusters without a managed master secret are not applicable", async () => {
        const r = await runRule(rule, [res(CLUSTER, "db", {})]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["Policy only applies to resources of type 'aws:secretsmanager/secret:Secret'", "The cluster does not let RDS manage its master user secret"]);
    });
    it("Noncompliance 1: fails when kmsKeyId is missing", async () => {
        expect(await messages(rule, res(SECRET, "s", {}))).to.deep.equal(["kmsKeyId is not set (the AWS-managed aws/secretsmanager key); name a customer-managed key."]);
    });
    it("Noncompliance 2: fails when kmsKeyId is alias/aws/secretsmanager", async () => {
        expect(await messages(rule, res(SECRET, "s", { kmsKeyId: "alias/aws/secretsmanager" }))).to.deep.equal([`kmsKeyId is the AWS-managed key "alias/aws/secretsmanager"; name a customer-managed key.`]);
    });
    it("Noncompliance 3: fails when the managed master secret has no key", async () => {
        expect(await messages(rule, res(CLUSTER, "db", { manageMasterUserPassword: true }))).to.deep.equal([
            "manageMasterUserPassword is true but masterUserSecretKmsKeyId is not set (the AWS-managed aws/secretsmanager key); name a customer-managed key.",
        ]);
    });
});

describe("secret-rotation", () => {
    const ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-user-AbCdEf";
    const secret = () => res(SECRET, "db-user", { name: "db-user", kmsKeyId: KEY_ARN }, { outputs: { arn: ARN } });
    const rot = (secretId: string) =>
        res("aws:secretsmanager/secretRotation:SecretRotation", "db-user-rotation", { secretId, rotationRules: { automaticallyAfterDays: 30 }, rotationLambdaArn: "arn:aws:lambda:eu-west-1:111111111111:function:rotate" });
    it("Compliance: a SecretRotation names the secret", async () => {
        expect(await messages(rotation, secret(), rot(ARN))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the secret has no rotation", async () => {
        expect(await messages(rotation, secret())).to.deep.equal([`Secret "db-user" has no rotation; add an aws.secretsmanager.SecretRotation with its ARN and a schedule.`]);
    });
    it("Noncompliance 2: fails when the rotation names another secret", async () => {
        expect(await messages(rotation, secret(), rot("arn:aws:secretsmanager:eu-west-1:111111111111:secret:other-XyZ"))).to.deep.equal([
            `Secret "db-user" has no rotation; add an aws.secretsmanager.SecretRotation with its ARN and a schedule.`,
        ]);
    });
});
