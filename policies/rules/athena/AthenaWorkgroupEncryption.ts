import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, NONE } from "../../lib/rule";
import { isAwsManagedKeyRef, q } from "../../lib/util";

export const meta = {
    id: "athena-workgroup-enforced-encryption",
    description: "Athena workgroups enforce their configuration (enforceWorkgroupConfiguration not false) and encrypt query results with SSE_KMS or CSE_KMS and a customer-managed kmsKeyArn.",
    enforcementLevel: "mandatory" as const,
    why: "Query results are copies of pond data; without enforcement a client can send them to its own location unencrypted.",
    publicRuleSets: {
        cdkNag: NONE,
        checkov: ["CKV_AWS_82 (enforced)", "CKV_AWS_159 (any encryption)"],
        pulumiPolicyAws: NONE,
        awsConfig: NONE,
        securityHub: ["Athena.4 (logging)"],
    },
};

export const check = validateResourceOfType(aws.athena.Workgroup, (wg, _args, reportViolation) => {
    const c: any = wg.configuration ?? {};
    if (c.enforceWorkgroupConfiguration === false) reportViolation(`configuration.enforceWorkgroupConfiguration is false; clients could override the result location and encryption (set true).`);
    const enc = c.resultConfiguration?.encryptionConfiguration;
    if (!enc) reportViolation(`configuration.resultConfiguration.encryptionConfiguration is not set (query results unencrypted); use SSE_KMS with a customer-managed kmsKeyArn.`);
    else if (enc.encryptionOption !== "SSE_KMS" && enc.encryptionOption !== "CSE_KMS") reportViolation(`query results use encryptionOption ${q(enc.encryptionOption ?? null)}; use SSE_KMS or CSE_KMS with a customer-managed kmsKeyArn.`);
    else if (!enc.kmsKeyArn || isAwsManagedKeyRef(enc.kmsKeyArn)) reportViolation(`query results use ${enc.encryptionOption} without a customer-managed kmsKeyArn (received ${q(enc.kmsKeyArn ?? null)}).`);
});

export default resourceRule(meta, check);
