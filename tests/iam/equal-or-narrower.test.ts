/**
 * The IAM of the dev and prod plans is equal to, or narrower than, main's
 * before the grants refactor (issue 23), recorded by tests/iam/record.ts into
 * tests/iam/fixtures/<stack>.json: every statement of the current plan is
 * covered by a statement main had for the same role or resource policy, and
 * every Deny main had is still there. Intentional differences are listed in
 * INTENTIONAL with their reason.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../../plan/stack";
import { Row, planStatements } from "./statements";
import { Widening, conditionAtLeast, covers, widenings } from "./compare";

interface Intentional {
    readonly stack: "dev" | "prod";
    readonly owner: string;
    /** The statement's first uncovered cell, as `widenings` reports it. */
    readonly why: string;
    readonly reason: string;
}

/** Differences the grants refactor makes on purpose (none widens access to data). */
const INTENTIONAL: Intentional[] = [
    {
        stack: "prod",
        owner: "bucket:lake-bucket",
        why: "allows s3:GetObject on <s3/bucket:lake-bucket>/models/scoring/sagemaker/placeholder/model.tar.gz for AWS=<iam/role:analytics-scoring-role>, which no statement of bucket:lake-bucket allowed before",
        reason: "The scoring endpoint's role (analytics account) was listed as a lake reader of data/*, which its own policy never allowed, while its own policy allowed only the model artifact, which the bucket policy did not: cross-account it could read nothing. The object-level grant names the one artifact key on both sides and drops data/* from the bucket policy (the role's identity policy is unchanged).",
    },
];

function baseline(stack: string): Row[] {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", `${stack}.json`), "utf8"));
}

const row = (over: Partial<Row>): Row => ({ owner: "role:r", effect: "Allow", actions: ["kinesis:PutRecord"], resources: ["<kinesis/stream:stream>"], principals: [], condition: "", ...over });

describe("IAM: the plans' statements are equal to or narrower than main's", () => {
    describe("the comparison", () => {
        it("accepts identical statements, split statements and narrower resources", () => {
            const old = [row({ actions: ["kinesis:PutRecord", "kinesis:PutRecords"], resources: ["<s3/bucket:lake>/*"] })];
            expect(widenings(old, [row({ actions: ["kinesis:PutRecords"], resources: ["<s3/bucket:lake>/data/*"] }), row({ actions: ["kinesis:PutRecord"], resources: ["<s3/bucket:lake>/x"] })])).to.deep.equal([]);
        });
        it("fails when a statement adds an action", () => {
            const w = widenings([row({})], [row({ actions: ["kinesis:PutRecord", "kinesis:GetRecords"] })]);
            expect(w.map((x) => x.why)).to.deep.equal(["allows kinesis:GetRecords on <kinesis/stream:stream>, which no statement of role:r allowed before"]);
        });
        it("fails when a statement widens a resource to a wildcard", () => {
            expect(widenings([row({ resources: ["<s3/bucket:lake>/data/*"] })], [row({ resources: ["<s3/bucket:lake>/*"] })])).to.have.length(1);
        });
        it("fails when a statement moves to another role", () => {
            expect(widenings([row({})], [row({ owner: "role:other" })])).to.have.length(1);
        });
        it("fails when a statement drops a condition or adds a principal", () => {
            const cond = JSON.stringify({ StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" } });
            expect(widenings([row({ condition: cond })], [row({})])).to.have.length(1);
            expect(widenings([row({ principals: ["AWS=<iam/role:a>"] })], [row({ principals: ["AWS=<iam/role:a>", "AWS=arn:aws:iam::111111111111:root"] })])).to.have.length(1);
        });
        it("fails when a Deny disappears", () => {
            const deny = row({ owner: "bucket:lake", effect: "Deny", actions: ["s3:*"], principals: ["AWS=*"] });
            expect(widenings([deny], [])).to.have.length(1);
            expect(widenings([deny], [deny])).to.deep.equal([]);
        });
        it("matches IAM wildcards and condition subsets exactly", () => {
            expect(covers("kms:GenerateDataKey*", "kms:GenerateDataKey")).to.equal(true);
            expect(covers("kms:GenerateDataKey", "kms:GenerateDataKey*")).to.equal(false);
            expect(conditionAtLeast(JSON.stringify({ StringLike: { "s3:prefix": ["data/", "data/*"] } }), JSON.stringify({ StringLike: { "s3:prefix": ["data/*"] } }))).to.equal(true);
            expect(conditionAtLeast(JSON.stringify({ StringLike: { "s3:prefix": ["data/*"] } }), JSON.stringify({ StringLike: { "s3:prefix": ["*"] } }))).to.equal(false);
        });
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every statement is covered by main's and every Deny of main's remains`, async function () {
            // Planning a whole stack under the mock engine takes a minute on a loaded machine.
            this.timeout(300_000);
            const now = planStatements(await planStack(stack));
            const found: Widening[] = widenings(baseline(stack), now);
            const unexplained = found.filter((w) => !INTENTIONAL.some((i) => i.stack === stack && i.owner === w.row.owner && i.why === w.why));
            expect(unexplained.map((w) => `${w.row.owner}: ${w.why}`)).to.deep.equal([]);
            // Every intentional difference listed still happens (the list stays exact).
            const stale = INTENTIONAL.filter((i) => i.stack === stack && !found.some((w) => w.row.owner === i.owner && w.why === i.why));
            expect(stale.map((i) => `${i.owner}: ${i.why}`)).to.deep.equal([]);
        });
    }
});
