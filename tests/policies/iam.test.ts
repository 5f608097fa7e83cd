import { expect } from "chai";
import serviceTrust from "../../policies/rules/iam/ServiceTrustConfusedDeputy";
import resourceDeputy from "../../policies/rules/iam/ResourcePolicyConfusedDeputy";
import crossAccount from "../../policies/rules/iam/CrossAccountTrustCondition";
import wildActions from "../../policies/rules/iam/NoWildcardActions";
import wildResources from "../../policies/rules/iam/NoWildcardResources";
import fullAccess from "../../policies/rules/iam/NoFullAccessManagedPolicies";
import publicPrincipal from "../../policies/rules/iam/NoPublicPrincipal";
import { doc, messages, res, runRule } from "./helpers";

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ROLE = "aws:iam/role:Role";
const KEY = "aws:kms/key:Key";
const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111111111111:stream/events";
const put = { Sid: "Put", Effect: "Allow", Action: ["kinesis:PutRecord", "kinesis:PutRecords"], Resource: STREAM_ARN };
const rp = (...statements: any[]) => res(ROLE_POLICY, "task-put", { role: "task", policy: doc(...statements) });
const rootAdmin = { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" };

describe("iam-no-wildcard-actions", () => {
    it("Compliance: named actions on a named resource", async () => {
        expect(await messages(wildActions, rp(put))).to.deep.equal([]);
    });
    it("Compliance: a prefix pattern such as kms:GenerateDataKey*", async () => {
        expect(await messages(wildActions, rp({ Effect: "Allow", Action: "kms:GenerateDataKey*", Resource: "arn:aws:kms:eu-west-1:111111111111:key/k" }))).to.deep.equal([]);
    });
    it("Compliance: the key policy's root administration statement (documented exception)", async () => {
        expect(await messages(wildActions, res(KEY, "k", { enableKeyRotation: true, policy: doc(rootAdmin) }))).to.deep.equal([]);
    });
    it("Compliance: Deny statements may use wildcards", async () => {
        expect(
            await messages(wildActions, res("aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: "b", policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }) })),
        ).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a role policy allows service:*", async () => {
        expect(await messages(wildActions, rp({ ...put, Action: "kinesis:*" }))).to.deep.equal([`statement "Put" allows wildcard action(s) "kinesis:*"; list the actions it needs.`]);
    });
    it("Noncompliance 2: fails when a role policy allows *", async () => {
        const { Sid, ...noSid } = put;
        expect(await messages(wildActions, rp(noSid, { ...noSid, Action: ["s3:GetObject", "*"] }))).to.deep.equal([`statement 1 allows wildcard action(s) "*"; list the actions it needs.`]);
    });
    it("Noncompliance 3: fails when a role's inline policy uses NotAction", async () => {
        const role = res(ROLE, "task", {
            assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }),
            inlinePolicies: [{ name: "all-but-iam", policy: doc({ Sid: "Most", Effect: "Allow", NotAction: "iam:*", Resource: STREAM_ARN }) }],
        });
        expect(await messages(wildActions, role)).to.deep.equal([`inline policy "all-but-iam" statement "Most" allows NotAction "iam:*" (every other action); list the actions it needs.`]);
    });
    it("Noncompliance 4: fails when a key policy grants kms:* to a role (not the account root)", async () => {
        const st = { ...rootAdmin, Sid: "Ops", Principal: { AWS: "arn:aws:iam::111111111111:role/ops" } };
        expect(await messages(wildActions, res(KEY, "k", { policy: doc(rootAdmin, st) }))).to.deep.equal([`statement "Ops" allows wildcard action(s) "kms:*"; list the actions it needs.`]);
    });
    it("Noncompliance 6: fails when a key policy grants kms:* to another account's root", async () => {
        const st = { ...rootAdmin, Sid: "Partner", Principal: { AWS: "arn:aws:iam::222222222222:root" } };
        expect(await messages(wildActions, res(KEY, "k", { policy: doc(rootAdmin, st) }))).to.deep.equal([`statement "Partner" allows wildcard action(s) "kms:*"; list the actions it needs.`]);
    });
    it("Noncompliance 7: fails when the root statement also names a second account", async () => {
        const st = { ...rootAdmin, Principal: { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] } };
        expect(await messages(wildActions, res(KEY, "k", { policy: doc(st) }))).to.deep.equal([`statement "AccountAdministers" allows wildcard action(s) "kms:*"; list the actions it needs.`]);
    });
    it("Noncompliance 5: fails when a topic policy allows sns:*", async () => {
        const st = { Sid: "Pub", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:*", Resource: "arn:aws:sns:eu-west-1:111111111111:page" };
        expect(await messages(wildActions, res("aws:sns/topicPolicy:TopicPolicy", "tp", { arn: "arn:aws:sns:eu-west-1:111111111111:page", policy: doc(st) }))).to.deep.equal([
            `statement "Pub" allows wildcard action(s) "sns:*"; list the actions it needs.`,
        ]);
    });
});

describe("iam-no-wildcard-resources", () => {
    it("Compliance: data actions on named resources", async () => {
        expect(await messages(wildResources, rp(put))).to.deep.equal([]);
    });
    it("Compliance: account-level actions on *", async () => {
        expect(await messages(wildResources, rp({ Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogDelivery", "logs:DescribeLogGroups", "xray:PutTraceSegments", "kinesis:ListStreams"], Resource: "*" }))).to.deep.equal([]);
    });
    it("Compliance: not applicable to key policies", async () => {
        const r = await runRule(wildResources, [res(KEY, "k", { policy: doc(rootAdmin) })]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["Policy only applies to IAM identity policies"]);
    });
    it("Noncompliance 1: fails when PutRecord is allowed on *", async () => {
        expect(await messages(wildResources, rp({ ...put, Resource: "*" }))).to.deep.equal([`statement "Put" allows data action(s) "kinesis:PutRecord", "kinesis:PutRecords" on Resource "*"; name the resources.`]);
    });
    it("Noncompliance 2: fails when kms:Decrypt is allowed on * in a role's inline policy", async () => {
        const role = res(ROLE, "task", { assumeRolePolicy: doc(), inlinePolicies: [{ name: "kms", policy: doc({ Effect: "Allow", Action: ["kms:Decrypt", "kms:ListAliases"], Resource: ["*"] }) }] });
        expect(await messages(wildResources, role)).to.deep.equal([`inline policy "kms" statement 0 allows data action(s) "kms:Decrypt" on Resource "*"; name the resources.`]);
    });
    it("Noncompliance 3: fails for a managed policy with s3:Get* on *", async () => {
        expect(await messages(wildResources, res("aws:iam/policy:Policy", "p", { policy: doc({ Sid: "Read", Effect: "Allow", Action: "s3:Get*", Resource: "*" }) }))).to.deep.equal([
            `statement "Read" allows data action(s) "s3:Get*" on Resource "*"; name the resources.`,
        ]);
    });
});

describe("iam-no-full-access-managed-policies", () => {
    const ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
    it("Compliance: a scoped managed policy", async () => {
        expect(await messages(fullAccess, res(ATTACH, "a", { role: "task", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when AmazonKinesisFullAccess is attached", async () => {
        expect(await messages(fullAccess, res(ATTACH, "a", { role: "task", policyArn: "arn:aws:iam::aws:policy/AmazonKinesisFullAccess" }))).to.deep.equal([
            `Attaches the managed policy "arn:aws:iam::aws:policy/AmazonKinesisFullAccess"; grant scoped actions on named resources instead.`,
        ]);
    });
    it("Noncompliance 2: fails when a role lists AdministratorAccess in managedPolicyArns", async () => {
        expect(await messages(fullAccess, res(ROLE, "r", { assumeRolePolicy: doc(), managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }))).to.deep.equal([
            `Attaches the managed policy "arn:aws:iam::aws:policy/AdministratorAccess"; grant scoped actions on named resources instead.`,
        ]);
    });
});

describe("no-public-principal", () => {
    const bp = (...statements: any[]) => res("aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: "lake", policy: doc(...statements) });
    const reader = { Sid: "PondReads", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:role/reader" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::lake/*" };
    it("Compliance: named principals", async () => {
        expect(await messages(publicPrincipal, bp(reader))).to.deep.equal([]);
    });
    it("Compliance: Deny with Principal *", async () => {
        expect(await messages(publicPrincipal, bp(reader, { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a bucket policy allows Principal *", async () => {
        expect(await messages(publicPrincipal, bp({ ...reader, Principal: "*" }))).to.deep.equal([`statement "PondReads" allows Principal "*"; name the accounts or roles.`]);
    });
    it("Noncompliance 2: fails when a key policy allows AWS *", async () => {
        expect(await messages(publicPrincipal, res("aws:kms/key:Key", "k", { policy: doc(rootAdmin, { Effect: "Allow", Principal: { AWS: ["*"] }, Action: "kms:Decrypt", Resource: "*" }) }))).to.deep.equal([
            `statement 1 allows Principal "*"; name the accounts or roles.`,
        ]);
    });
    it("Noncompliance 3: fails when a queue policy allows Principal *", async () => {
        expect(
            await messages(
                publicPrincipal,
                res("aws:sqs/queuePolicy:QueuePolicy", "qp", { queueUrl: "u", policy: doc({ Sid: "Any", Effect: "Allow", Principal: { AWS: "*" }, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:111111111111:dlq" }) }),
            ),
        ).to.deep.equal([`statement "Any" allows Principal "*"; name the accounts or roles.`]);
    });
    it("Noncompliance 4: fails when a stream resource policy allows Principal *", async () => {
        expect(
            await messages(
                publicPrincipal,
                res("aws:kinesis/resourcePolicy:ResourcePolicy", "sp", { resourceArn: STREAM_ARN, policy: doc({ Sid: "Read", Effect: "Allow", Principal: "*", Action: "kinesis:GetRecords", Resource: STREAM_ARN }) }),
            ),
        ).to.deep.equal([`statement "Read" allows Principal "*"; name the accounts or roles.`]);
    });
    it("Noncompliance 6: fails when a role trust policy allows Principal *", async () => {
        expect(await messages(publicPrincipal, res(ROLE, "r", { assumeRolePolicy: doc({ Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }))).to.deep.equal([
            `assumeRolePolicy statement "Anyone" allows Principal "*"; name the accounts or roles.`,
        ]);
    });
    it("Noncompliance 7: fails when a Lambda permission grants principal *", async () => {
        expect(await messages(publicPrincipal, res("aws:lambda/permission:Permission", "invoke", { action: "lambda:InvokeFunction", function: "f", principal: "*" }))).to.deep.equal([
            `principal is "*"; name the service or account allowed to invoke.`,
        ]);
    });
    it("Compliance: a service trust policy and a service Lambda permission", async () => {
        const role = res(ROLE, "r", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }) });
        const perm = res("aws:lambda/permission:Permission", "invoke", { action: "lambda:InvokeFunction", function: "f", principal: "apigateway.amazonaws.com", sourceArn: "arn:aws:execute-api:eu-west-1:111111111111:abc/*" });
        expect(await messages(publicPrincipal, role, perm)).to.deep.equal([]);
    });
    it("Noncompliance 5: fails when a topic policy allows Principal *", async () => {
        expect(await messages(publicPrincipal, res("aws:sns/topicPolicy:TopicPolicy", "tp", { arn: "t", policy: doc({ Sid: "Pub", Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: "t" }) }))).to.deep.equal([
            `statement "Pub" allows Principal "*"; name the accounts or roles.`,
        ]);
    });
});

const trust = (...Statement: any[]) => res(ROLE, "r", { assumeRolePolicy: doc(...Statement) });
const assume = (Principal: any, Condition?: any) => ({ Effect: "Allow", Principal, Action: "sts:AssumeRole", ...(Condition ? { Condition } : {}) });

describe("iam-service-trust-confused-deputy", () => {
    it("Compliance: service trust with aws:SourceAccount (or aws:SourceArn under ArnLike)", async () => {
        expect(await messages(serviceTrust, trust(assume({ Service: "lambda.amazonaws.com" }, { StringEquals: { "aws:SourceAccount": "111111111111" } })))).to.deep.equal([]);
        expect(await messages(serviceTrust, trust(assume({ Service: ["states.amazonaws.com"] }, { ArnLike: { "aws:SourceArn": "arn:aws:states:eu-west-1:111111111111:stateMachine:*" } })))).to.deep.equal([]);
    });
    it("Compliance: IAM principals are not service trusts", async () => {
        expect(await messages(serviceTrust, trust(assume({ AWS: "arn:aws:iam::111111111111:role/x" })))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when lambda.amazonaws.com is trusted with no condition", async () => {
        expect(await messages(serviceTrust, trust(assume({ Service: "lambda.amazonaws.com" })))).to.deep.equal([
            `assumeRolePolicy statement 0 trusts service(s) "lambda.amazonaws.com" without an aws:SourceAccount or aws:SourceArn condition; name the account (or resource) the service may act for.`,
        ]);
    });
    it("Noncompliance 2: fails when the only condition is sts:ExternalId", async () => {
        expect(await messages(serviceTrust, trust({ ...assume({ Service: "firehose.amazonaws.com" }, { StringEquals: { "sts:ExternalId": "111111111111" } }), Sid: "Firehose" }))).to.deep.equal([
            `assumeRolePolicy statement "Firehose" trusts service(s) "firehose.amazonaws.com" without an aws:SourceAccount or aws:SourceArn condition; name the account (or resource) the service may act for.`,
        ]);
    });
});

describe("resource-policy-service-confused-deputy", () => {
    const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
    const grantTo = (service: string, Condition?: any, Sid = "Logs") => ({ Sid, Effect: "Allow", Principal: { Service: service }, Action: "s3:PutObject", Resource: "arn:aws:s3:::logs/*", ...(Condition ? { Condition } : {}) });
    it("Compliance: bucket policy granting a service with aws:SourceArn and aws:SourceAccount", async () => {
        expect(
            await messages(
                resourceDeputy,
                res(BUCKET_POLICY, "p", { bucket: "logs", policy: doc(grantTo("logging.s3.amazonaws.com", { ArnLike: { "aws:SourceArn": "arn:aws:s3:::data" }, StringEquals: { "aws:SourceAccount": "111111111111" } })) }),
            ),
        ).to.deep.equal([]);
    });
    it("Compliance: key policy granting CloudWatch Logs with kms:EncryptionContext:aws:logs:arn", async () => {
        const s = {
            Sid: "Logs",
            Effect: "Allow",
            Principal: { Service: "logs.eu-west-1.amazonaws.com" },
            Action: ["kms:Encrypt*", "kms:Decrypt*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:*" } },
        };
        expect(await messages(resourceDeputy, res(KEY, "k", { enableKeyRotation: true, policy: doc(s) }))).to.deep.equal([]);
    });
    it("Compliance: Lambda permission for a service with sourceArn", async () => {
        expect(
            await messages(
                resourceDeputy,
                res("aws:lambda/permission:Permission", "p", { action: "lambda:InvokeFunction", function: "f", principal: "apigateway.amazonaws.com", sourceArn: "arn:aws:execute-api:eu-west-1:111111111111:abc/*/*" }),
            ),
        ).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when a bucket policy grants log delivery with no condition", async () => {
        expect(await messages(resourceDeputy, res(BUCKET_POLICY, "p", { bucket: "logs", policy: doc(grantTo("logdelivery.elasticloadbalancing.amazonaws.com", undefined, "ElbLogDelivery")) }))).to.deep.equal([
            `statement "ElbLogDelivery" grants service(s) "logdelivery.elasticloadbalancing.amazonaws.com" without an aws:SourceAccount or aws:SourceArn condition; name the account (or resource) the service acts for.`,
        ]);
    });
    it("Noncompliance 2: fails when a topic policy grants CloudWatch with the logs encryption-context key (only counts for Logs in key policies)", async () => {
        const s = { Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: "arn:aws:sns:eu-west-1:111111111111:t", Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "x" } } };
        expect(await messages(resourceDeputy, res("aws:sns/topicPolicy:TopicPolicy", "tp", { arn: "arn:aws:sns:eu-west-1:111111111111:t", policy: doc(s) }))).to.deep.equal([
            `statement 0 grants service(s) "cloudwatch.amazonaws.com" without an aws:SourceAccount or aws:SourceArn condition; name the account (or resource) the service acts for.`,
        ]);
    });
    it("Noncompliance 3: fails when a Lambda permission for a service has neither sourceArn nor sourceAccount", async () => {
        expect(await messages(resourceDeputy, res("aws:lambda/permission:Permission", "p", { action: "lambda:InvokeFunction", function: "f", principal: "s3.amazonaws.com" }))).to.deep.equal([
            `principal is the service "s3.amazonaws.com" and neither sourceArn nor sourceAccount is set; name the API, bucket or rule allowed to invoke.`,
        ]);
    });
    it("Compliance: role trust policies are left to iam-service-trust-confused-deputy", async () => {
        const r = await runRule(resourceDeputy, [trust(assume({ Service: "lambda.amazonaws.com" }))]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable.map((n) => n.reason)).to.deep.equal(["Policy only applies to resource policies and Lambda permissions"]);
    });
});

describe("iam-cross-account-trust-condition", () => {
    it("Compliance: same-account role, and another account with sts:ExternalId or aws:PrincipalOrgID", async () => {
        expect(await messages(crossAccount, trust(assume({ AWS: "arn:aws:iam::111111111111:role/analysts" })))).to.deep.equal([]);
        expect(await messages(crossAccount, trust(assume({ AWS: "arn:aws:iam::999999999999:root" }, { StringEquals: { "sts:ExternalId": "vendor-123" } })))).to.deep.equal([]);
        expect(await messages(crossAccount, trust(assume({ AWS: ["999999999999"] }, { StringEquals: { "aws:PrincipalOrgID": "o-abc" } })))).to.deep.equal([]);
    });
    it("Noncompliance 1: fails when another account's root is trusted with no condition", async () => {
        const withProvider = { ...trust(assume({ AWS: "arn:aws:iam::999999999999:root" })) };
        const r = await runRule(crossAccount, [withProvider]);
        expect(r.violations.map((v) => v.message)).to.deep.equal([
            `assumeRolePolicy statement 0 trusts account(s) "999999999999" (other than this role's account 111111111111) without an sts:ExternalId or aws:PrincipalOrgID condition; add one.`,
        ]);
    });
    it("Noncompliance 2: fails when a role of another account is trusted with an unrelated condition", async () => {
        expect(await messages(crossAccount, trust(assume({ AWS: ["arn:aws:iam::222222222222:role/etl", "arn:aws:iam::111111111111:role/own"] }, { Bool: { "aws:MultiFactorAuthPresent": "true" } })))).to.deep.equal([
            `assumeRolePolicy statement 0 trusts account(s) "222222222222" (other than this role's account 111111111111) without an sts:ExternalId or aws:PrincipalOrgID condition; add one.`,
        ]);
    });
    it("Noncompliance 3: fails for any named account when the provider pins no allowedAccountIds", async () => {
        const r = await runRule(crossAccount, [res(ROLE, "r", { assumeRolePolicy: doc(assume({ AWS: "arn:aws:iam::111111111111:root" })) }, { provider: null })]);
        expect(r.violations.map((v) => v.message)).to.deep.equal([
            `assumeRolePolicy statement 0 trusts account(s) "111111111111" (other than this role's account (the provider pins no allowedAccountIds)) without an sts:ExternalId or aws:PrincipalOrgID condition; add one.`,
        ]);
    });
});
