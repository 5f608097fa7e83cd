import * as aws from "@pulumi/aws";
import { expect } from "chai";
import { metric, expression } from "@flightstream/components/common/metrics";
import { Dashboard, IngestionPathAlarm, OnCall } from "@flightstream/components/oncall";
import { principals } from "@flightstream/components/common/grants";
import { all, evaluate, evaluateError, one, policyOf, testProvider } from "../helpers/pulumi";

describe("OnCall", () => {
    it("creates page and ticket topics under a rotating customer key with subscriptions from config", async () => {
        const r = await evaluate(() => {
            new OnCall(
                "oncall",
                { accountId: "123456789012", pageEmails: ["a@example.com"], pageHttpsEndpoints: ["https://incident.example.com/hook"], ticketEmails: ["t@example.com"] },
                { provider: testProvider("ingestion", "123456789012") },
            );
        });
        const key = one(r, "aws:kms/key:Key");
        expect(key.inputs.enableKeyRotation).to.equal(true);
        const topics = all(r, "aws:sns/topic:Topic");
        expect(topics.map((t) => t.inputs.name)).to.deep.equal(["test-oncall-page", "test-oncall-ticket"]);
        for (const t of topics) expect(t.inputs.kmsMasterKeyId).to.equal(key.outputs.arn);
        const subs = all(r, "aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.topic, s.inputs.protocol, s.inputs.endpoint]);
        expect(subs).to.deep.equal([
            [topics[0].outputs.arn, "email", "a@example.com"],
            [topics[0].outputs.arn, "https", "https://incident.example.com/hook"],
            [topics[1].outputs.arn, "email", "t@example.com"],
        ]);
    });

    it("admits only CloudWatch from its own account to publish when nothing is granted", async () => {
        const r = await evaluate(() => {
            new OnCall("oncall", { accountId: "123456789012" }, { provider: testProvider() });
        });
        const page = one(r, "aws:sns/topic:Topic", "oncall-page");
        const doc = policyOf(one(r, "aws:sns/topicPolicy:TopicPolicy", "oncall-page-policy"));
        expect(doc.Statement).to.deep.equal([
            { Sid: "CloudWatchAlarms", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: page.outputs.arn, Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } },
            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: page.outputs.arn, Condition: { Bool: { "aws:SecureTransport": false } } },
        ]);
        expect(policyOf(one(r, "aws:kms/key:Key")).Statement.map((s: any) => s.Sid)).to.deep.equal(["AccountAdministers", "CloudWatchAlarmsPublish"]);
    });

    it("grantPublish to a role of its account adds the identity policy only; to another account's role, the topic and key policy statements", async () => {
        const OTHER = "210987654321";
        const remote = `arn:aws:iam::${OTHER}:role/replay`;
        let grants: any[] = [];
        const r = await evaluate(() => {
            const o = new OnCall("oncall", { accountId: "123456789012" }, { provider: testProvider("ingestion", "123456789012") });
            const local = new aws.iam.Role("local", { assumeRolePolicy: "{}" }, { provider: testProvider("ingestion", "123456789012") });
            grants = [o.grantPublish("local-publish", local, ["ticket"]), o.grantPublish("remote-publish", principals.roleArn(remote, OTHER)), o.grantSubscribe("remote-subscribe", principals.roleArn(remote, OTHER), ["page"])];
        });
        const page = one(r, "aws:sns/topic:Topic", "oncall-page");
        const ticket = one(r, "aws:sns/topic:Topic", "oncall-ticket");
        const key = one(r, "aws:kms/key:Key");
        expect(grants.map((g) => g.crossAccount)).to.deep.equal([false, true, true]);
        expect(all(r, "aws:iam/rolePolicy:RolePolicy").map((p) => [p.name, policyOf(p).Statement])).to.deep.equal([
            [
                "local-publish",
                [
                    { Sid: "Publish", Effect: "Allow", Action: "sns:Publish", Resource: ticket.outputs.arn },
                    { Sid: "EncryptNotifications", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key.outputs.arn },
                ],
            ],
        ]);
        const extra = (name: string) => policyOf(one(r, "aws:sns/topicPolicy:TopicPolicy", name)).Statement.slice(2);
        expect(extra("oncall-page-policy")).to.deep.equal([
            { Effect: "Allow", Action: "sns:Publish", Resource: page.outputs.arn, Principal: { AWS: remote } },
            { Effect: "Allow", Action: "sns:Subscribe", Resource: page.outputs.arn, Principal: { AWS: remote } },
        ]);
        expect(extra("oncall-ticket-policy")).to.deep.equal([{ Effect: "Allow", Action: "sns:Publish", Resource: ticket.outputs.arn, Principal: { AWS: remote } }]);
        expect(policyOf(key).Statement.slice(2)).to.deep.equal([
            { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "*", Principal: { AWS: remote }, Condition: { StringLike: { "kms:ViaService": "sns.*.amazonaws.com" } } },
        ]);
    });

    it("fails when a grant names an unknown severity", async () => {
        const e = await evaluateError(() => {
            const o = new OnCall("oncall", { accountId: "123456789012" }, { provider: testProvider() });
            o.grantPublish("p", principals.roleArn("arn:aws:iam::210987654321:role/x", "210987654321"), ["pager" as never]);
        });
        expect(e.message).to.equal('OnCall grant "p": `severities` must be a non-empty list of "page" and "ticket"; received ["pager"].');
    });

    it("fails when a page e-mail is malformed", async () => {
        const e = await evaluateError(() => new OnCall("oncall", { accountId: "1", pageEmails: ["oncall"] }));
        expect(e.message).to.equal('OnCall oncall: `pageEmails[0]` must be an e-mail address (received "oncall").');
    });
});

describe("Dashboard", () => {
    it("renders sections and metric widgets with dimensions, hidden expression inputs and per-widget account ids", async () => {
        const r = await evaluate(() => {
            const bytes = metric("AWS/Kinesis", "IncomingBytes", { StreamName: "s" }, { statistic: "Sum" });
            const ok = metric("AWS/Kinesis", "PutRecords.SuccessfulRecords", { StreamName: "s" }, { statistic: "Sum" });
            const total = metric("AWS/Kinesis", "PutRecords.TotalRecords", { StreamName: "s" }, { statistic: "Sum" });
            new Dashboard(
                "dash",
                {
                    region: "eu-west-1",
                    sections: [
                        {
                            title: "Stream",
                            widgets: [
                                { title: "Incoming bytes", metrics: [bytes], annotations: [{ label: "capacity", value: 62914560 }] },
                                { title: "Put success", metrics: [expression("100*ok/total", { ok, total }, "success %")], accountId: "222222222222" },
                            ],
                        },
                    ],
                },
                { provider: testProvider() },
            );
        });
        const d = one(r, "aws:cloudwatch/dashboard:Dashboard");
        expect(d.inputs.dashboardName).to.equal("test-flightstream");
        const body = JSON.parse(d.inputs.dashboardBody);
        expect(body.widgets[0]).to.deep.equal({ type: "text", x: 0, y: 0, width: 24, height: 1, properties: { markdown: "## Stream" } });
        expect(body.widgets[1]).to.deep.equal({
            type: "metric",
            x: 0,
            y: 1,
            width: 12,
            height: 6,
            properties: {
                title: "Incoming bytes",
                view: "timeSeries",
                region: "eu-west-1",
                metrics: [["AWS/Kinesis", "IncomingBytes", "StreamName", "s", { id: "m0", stat: "Sum", period: 60 }]],
                annotations: { horizontal: [{ label: "capacity", value: 62914560 }] },
            },
        });
        expect(body.widgets[2].properties.metrics).to.deep.equal([
            ["AWS/Kinesis", "PutRecords.SuccessfulRecords", "StreamName", "s", { id: "ok", stat: "Sum", period: 60, visible: false, accountId: "222222222222" }],
            ["AWS/Kinesis", "PutRecords.TotalRecords", "StreamName", "s", { id: "total", stat: "Sum", period: 60, visible: false, accountId: "222222222222" }],
            [{ expression: "100*ok/total", label: "success %", id: "e0" }],
        ]);
        expect(body.widgets[2].x).to.equal(12);
    });

    it("fails when a widget has no metrics", async () => {
        const e = await evaluateError(() => new Dashboard("dash", { region: "eu-west-1", sections: [{ title: "x", widgets: [{ title: "empty", metrics: [] }] }] }));
        expect(e.message).to.equal("Dashboard dash: `sections[0].widgets[0].metrics` must be a non-empty list of metrics (received []).");
    });
});

describe("IngestionPathAlarm", () => {
    it("ORs the given alarms and pages with OK actions", async () => {
        const r = await evaluate(() => {
            const p = testProvider();
            const a = new aws.cloudwatch.MetricAlarm("a", { name: "prod-stream-iterator-age", comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1 }, { provider: p });
            const b = new aws.cloudwatch.MetricAlarm("b", { name: "prod-ingestion-target-5xx", comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1 }, { provider: p });
            new IngestionPathAlarm("path", { alarms: [a, b], routing: { page: ["arn:page"], ticket: ["arn:ticket"] } }, { provider: p });
        });
        const c = one(r, "aws:cloudwatch/compositeAlarm:CompositeAlarm");
        expect(c.inputs.alarmRule).to.equal('ALARM("prod-stream-iterator-age") OR ALARM("prod-ingestion-target-5xx")');
        expect(c.inputs.alarmActions).to.deep.equal(["arn:page"]);
        expect(c.inputs.okActions).to.deep.equal(["arn:page"]);
        expect(c.inputs.alarmName).to.equal("test-ingestion-path-degraded");
    });

    it("fails when no alarm is given", async () => {
        const e = await evaluateError(() => new IngestionPathAlarm("path", { alarms: [], routing: { page: [], ticket: [] } }));
        expect(e.message).to.equal("IngestionPathAlarm path: `alarms` must be a list of 1 to 100 alarms (a composite rule holds at most 100 terms) (received 0).");
    });
});

describe("runbooks", () => {
    it("every alarm class has a runbook page with the four sections", () => {
        const fs = require("fs") as typeof import("fs");
        const path = require("path") as typeof import("path");
        const { RUNBOOKS } = require("@flightstream/components/common/alarms") as typeof import("@flightstream/components/common/alarms");
        for (const rb of RUNBOOKS) {
            const file = path.join(__dirname, "..", "..", "docs", "runbooks", `${rb}.md`);
            expect(fs.existsSync(file), `${rb}.md exists`).to.equal(true);
            const text = fs.readFileSync(file, "utf8");
            for (const h of ["## What it means", "## First three checks", "## What to run", "## Escalate"]) expect(text, `${rb}.md has ${h}`).to.include(h);
            expect(text, `${rb}.md shows what to run in a sh block`).to.match(/## What to run\n[\s\S]*?```sh\n.+\n/);
        }
    });
});
