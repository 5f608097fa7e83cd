import { expect } from "chai";
import storage from "../../policies/rules/rds/AuroraStorageCmkEncryption";
import deletion from "../../policies/rules/rds/AuroraProdDeletionProtection";
import backup from "../../policies/rules/rds/AuroraProdBackupRetention";
import { KEY_ARN, REQUIRED, messages, res, runRule } from "./helpers";

const CLUSTER = "aws:rds/cluster:Cluster";
const PROD = { ...REQUIRED, Environment: "prod" };
const cluster = (over: Record<string, any> = {}, defaultTags: Record<string, string> = PROD) =>
    res(CLUSTER, "insights", { engine: "aurora-postgresql", storageEncrypted: true, kmsKeyId: KEY_ARN, deletionProtection: true, backupRetentionPeriod: 14, ...over }, { defaultTags });

describe("aurora-storage-cmk-encryption", () => {
    it("Compliance: encrypted with a customer-managed key", async () => {
        expect(await messages(storage, cluster())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when storageEncrypted is not set", async () => {
        expect(await messages(storage, cluster({ storageEncrypted: undefined }))).to.deep.equal(["storageEncrypted is not set (default false); set true with a customer-managed kmsKeyId."]);
    });
    it("Noncompliance 2: fails when storageEncrypted is false", async () => {
        expect(await messages(storage, cluster({ storageEncrypted: false }))).to.deep.equal(["storageEncrypted is false; set true with a customer-managed kmsKeyId."]);
    });
    it("Noncompliance 3: fails when kmsKeyId is missing", async () => {
        expect(await messages(storage, cluster({ kmsKeyId: undefined }))).to.deep.equal(["storageEncrypted is true but kmsKeyId is not set (the AWS-managed aws/rds key); name a customer-managed key."]);
    });
    it("Noncompliance 4: fails when kmsKeyId is alias/aws/rds", async () => {
        expect(await messages(storage, cluster({ kmsKeyId: "alias/aws/rds" }))).to.deep.equal([`kmsKeyId is the AWS-managed key "alias/aws/rds"; name a customer-managed key.`]);
    });
});

describe("aurora-prod-deletion-protection", () => {
    it("Compliance: production cluster with deletion protection", async () => {
        expect(await messages(deletion, cluster())).to.deep.equal([]);
    });
    it("Compliance: not applicable outside production", async () => {
        const r = await runRule(deletion, [cluster({ deletionProtection: false }, REQUIRED)]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable).to.deep.equal([{ policy: "aurora-prod-deletion-protection", resource: "aws:rds/cluster:Cluster::insights", reason: `Environment tag is "dev", not production` }]);
    });
    it("Noncompliance 1: fails when deletionProtection is false in prod", async () => {
        expect(await messages(deletion, cluster({ deletionProtection: false }))).to.deep.equal(["deletionProtection is false; production clusters need true."]);
    });
    it("Noncompliance 2: fails when deletionProtection is unset and the resource's own tag says production", async () => {
        expect(await messages(deletion, cluster({ deletionProtection: undefined, tags: { Environment: "production" } }, REQUIRED))).to.deep.equal(["deletionProtection is not set (default false); production clusters need true."]);
    });
});

describe("aurora-prod-backup-retention", () => {
    it("Compliance: 14 days in prod", async () => {
        expect(await messages(backup, cluster())).to.deep.equal([]);
    });
    it("Compliance: 1 day outside production is not applicable", async () => {
        expect(await messages(backup, cluster({ backupRetentionPeriod: 1 }, REQUIRED))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when 7 days in prod", async () => {
        expect(await messages(backup, cluster({ backupRetentionPeriod: 7 }))).to.deep.equal(["backupRetentionPeriod is 7 days; production clusters need at least 14 days."]);
    });
    it("Noncompliance 2: fails when unset in prod", async () => {
        expect(await messages(backup, cluster({ backupRetentionPeriod: undefined }))).to.deep.equal(["backupRetentionPeriod is not set (default 1 day); production clusters need at least 14 days."]);
    });
});
