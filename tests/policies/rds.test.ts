import { expect } from "chai";
import publicAccess from "../../policies/rules/rds/RdsNoPublicAccess";
import iamAuth from "../../policies/rules/rds/RdsIamAuthentication";
import managedPassword from "../../policies/rules/rds/RdsNoPlaintextPassword";
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

const INSTANCE = "aws:rds/instance:Instance";
const CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const instance = (over: Record<string, any> = {}, defaultTags: Record<string, string> = PROD) =>
    res(
        INSTANCE,
        "legacy",
        {
            engine: "postgres",
            instanceClass: "db.t4g.micro",
            storageEncrypted: true,
            kmsKeyId: KEY_ARN,
            deletionProtection: true,
            backupRetentionPeriod: 14,
            publiclyAccessible: false,
            iamDatabaseAuthenticationEnabled: true,
            manageMasterUserPassword: true,
            ...over,
        },
        { defaultTags },
    );

describe("RDS DB instances under the cluster rules", () => {
    it("Compliance: an encrypted, protected, backed-up production instance", async () => {
        for (const rule of [storage, deletion, backup]) expect(await messages(rule, instance()), rule.id).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when an instance is not encrypted", async () => {
        expect(await messages(storage, instance({ storageEncrypted: undefined }))).to.deep.equal(["storageEncrypted is not set (default false); set true with a customer-managed kmsKeyId."]);
    });
    it("Noncompliance 2: fails when a production instance has no deletion protection", async () => {
        expect(await messages(deletion, instance({ deletionProtection: false }))).to.deep.equal(["deletionProtection is false; production instances need true."]);
    });
    it("Noncompliance 3: fails when a production instance keeps 7 days of backups", async () => {
        expect(await messages(backup, instance({ backupRetentionPeriod: 7 }))).to.deep.equal(["backupRetentionPeriod is 7 days; production instances need at least 14 days."]);
    });
});

describe("rds-no-public-access", () => {
    it("Compliance: private instance and cluster instance", async () => {
        expect(await messages(publicAccess, instance(), res(CLUSTER_INSTANCE, "ci", { clusterIdentifier: "c", instanceClass: "db.serverless" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when an instance is publicly accessible", async () => {
        expect(await messages(publicAccess, instance({ publiclyAccessible: true }))).to.deep.equal(["publiclyAccessible is true; databases stay in private subnets (set false)."]);
    });
    it("Noncompliance 2: fails when a cluster instance is publicly accessible", async () => {
        expect(await messages(publicAccess, res(CLUSTER_INSTANCE, "ci", { clusterIdentifier: "c", publiclyAccessible: true }))).to.deep.equal(["publiclyAccessible is true; databases stay in private subnets (set false)."]);
    });
});

describe("rds-iam-authentication", () => {
    it("Compliance: IAM authentication on the cluster and the instance", async () => {
        expect(await messages(iamAuth, cluster({ iamDatabaseAuthenticationEnabled: true }), instance())).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when the cluster does not set it", async () => {
        expect(await messages(iamAuth, cluster())).to.deep.equal(["iamDatabaseAuthenticationEnabled is not set (default false); set true so roles connect with IAM tokens instead of passwords."]);
    });
    it("Noncompliance 2: fails when an instance sets it false", async () => {
        expect(await messages(iamAuth, instance({ iamDatabaseAuthenticationEnabled: false }))).to.deep.equal(["iamDatabaseAuthenticationEnabled is false; set true so roles connect with IAM tokens instead of passwords."]);
    });
});

describe("rds-managed-master-password", () => {
    it("Compliance: manageMasterUserPassword", async () => {
        expect(await messages(managedPassword, instance(), cluster({ manageMasterUserPassword: true }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when an instance sets password", async () => {
        expect(await messages(managedPassword, instance({ manageMasterUserPassword: undefined, password: "hunter2hunter2" }))).to.deep.equal([
            "password is set in the program (it ends up in source, state and plans); remove it and set manageMasterUserPassword true so RDS keeps the password in Secrets Manager.",
        ]);
    });
    it("Noncompliance 2: fails when a cluster sets masterPassword", async () => {
        expect(await messages(managedPassword, cluster({ masterPassword: "hunter2hunter2" }))).to.deep.equal([
            "masterPassword is set in the program (it ends up in source, state and plans); remove it and set manageMasterUserPassword true so RDS keeps the password in Secrets Manager.",
        ]);
    });
});
