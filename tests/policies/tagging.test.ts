import { expect } from "chai";
import { REQUIRED_TAG_KEYS } from "@flightstream/components/common/tags";
import rule from "../../policies/rules/tagging/RequiredTags";
import { isTaggableType, REQUIRED_TAG_KEYS as PACK_KEYS } from "../../policies/lib/util";
import { REQUIRED, messages, res, runRule } from "./helpers";

const QUEUE = "aws:sqs/queue:Queue";

describe("required-tags", () => {
    it("uses the same required keys as components/common/tags.ts", () => {
        expect(PACK_KEYS).to.deep.equal([...REQUIRED_TAG_KEYS]);
    });
    it("detects taggable types from the @pulumi/aws declarations", () => {
        expect(["aws:kinesis/stream:Stream", "aws:s3/bucket:Bucket", "aws:iam/role:Role", "aws:cloudwatch/metricAlarm:MetricAlarm"].map(isTaggableType)).to.deep.equal([true, true, true, true]);
        expect(["aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy", "aws:kms/alias:Alias", "pulumi:providers:aws", "flightstream:stream:KinesisStream"].map(isTaggableType)).to.deep.equal([
            false,
            false,
            false,
            false,
            false,
        ]);
    });
    it("Compliance: all tags from provider defaultTags", async () => {
        expect(await messages(rule, res(QUEUE, "q", {}))).to.deep.equal([]);
    });
    it("Compliance: tags split between the resource and its provider", async () => {
        const { Owner, CostCenter, ...rest } = REQUIRED;
        expect(await messages(rule, res(QUEUE, "q", { tags: { Owner, CostCenter } }, { defaultTags: rest }))).to.deep.equal([]);
    });
    it("Compliance: not applicable to untaggable types", async () => {
        const r = await runRule(rule, [res("aws:iam/rolePolicy:RolePolicy", "p", {}, { provider: null })]);
        expect(r.violations).to.deep.equal([]);
        expect(r.notApplicable).to.deep.equal([{ policy: "required-tags", resource: "aws:iam/rolePolicy:RolePolicy::p", reason: "Resource type 'aws:iam/rolePolicy:RolePolicy' does not accept tags" }]);
    });
    it("Noncompliance 1: fails when there are no tags at all", async () => {
        const r = await runRule(rule, [res(QUEUE, "q", {}, { provider: null })]);
        expect(r.violations).to.deep.equal([
            {
                policy: "required-tags",
                level: "mandatory",
                resource: "aws:sqs/queue:Queue::q",
                message: "Missing required tag(s) Project, Environment, Owner, CostCenter, DataClassification (resource tags and provider defaultTags are counted).",
            },
        ]);
    });
    it("Noncompliance 2: fails when one default tag is missing", async () => {
        const { Owner, ...rest } = REQUIRED;
        expect(await messages(rule, res(QUEUE, "q", {}, { defaultTags: rest }))).to.deep.equal(["Missing required tag(s) Owner (resource tags and provider defaultTags are counted)."]);
    });
    it("Noncompliance 3: fails when a tag is empty", async () => {
        expect(await messages(rule, res(QUEUE, "q", { tags: { CostCenter: " " } }))).to.deep.equal(["Missing required tag(s) CostCenter (resource tags and provider defaultTags are counted)."]);
    });
    it("Noncompliance 4: fails on a configured extra tag", async () => {
        const r = await runRule(rule, [res(QUEUE, "q", {})], { config: { "required-tags": { requiredTags: ["Project", "Team"] } } });
        expect(r.violations.map((v) => v.message)).to.deep.equal(["Missing required tag(s) Team (resource tags and provider defaultTags are counted)."]);
    });
});
