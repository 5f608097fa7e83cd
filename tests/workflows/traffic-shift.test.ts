/**
 * Traffic shift executed locally: the deployed ASL and the real task code;
 * Route 53 and CloudWatch (no emulator) are mocked with aws-sdk-client-mock,
 * so the wait-for-INSYNC loop, the soak and the rollback run for real.
 */
import { expect } from "chai";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { ChangeResourceRecordSetsCommand, GetChangeCommand, GetHealthCheckStatusCommand, ListResourceRecordSetsCommand, ResourceRecordSet, Route53Client } from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";
import { runLocalWorkflow } from "../../local/workflows";
import { WorkflowDeps } from "../../functions/workflows/deps";
import { parseShiftInput, planShift, soakVerdict } from "../../functions/workflows/traffic";

const ZONE = "Z0123456789ABC";
const NAME = "ingest.example.com.";
const blue: ResourceRecordSet = { Name: NAME, Type: "A", SetIdentifier: "blue", Weight: 100, HealthCheckId: "hc-blue", AliasTarget: { HostedZoneId: "ZALB1", DNSName: "blue-alb.eu-west-1.elb.amazonaws.com.", EvaluateTargetHealth: true } };
const green: ResourceRecordSet = { Name: NAME, Type: "A", SetIdentifier: "green", Weight: 0, HealthCheckId: "hc-green", AliasTarget: { HostedZoneId: "ZALB2", DNSName: "green-alb.eu-west-2.elb.amazonaws.com.", EvaluateTargetHealth: true } };
const other: ResourceRecordSet = { Name: "other.example.com.", Type: "A", SetIdentifier: "x", Weight: 1, ResourceRecords: [{ Value: "10.0.0.1" }], TTL: 60 };

const ok = { HealthCheckObservations: [1, 2, 3].map((i) => ({ Region: "eu-west-1" as const, IPAddress: `1.1.1.${i}`, StatusReport: { Status: "Success: HTTP Status Code 200, OK" } })) };

describe("workflows: traffic shift (local, Route 53 mocked)", () => {
    const r53 = mockClient(Route53Client);
    const cw = mockClient(CloudWatchClient);

    beforeEach(() => {
        r53.reset();
        cw.reset();
        r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [blue, green, other], IsTruncated: false, MaxItems: 100 });
        r53.on(ChangeResourceRecordSetsCommand)
            .resolvesOnce({ ChangeInfo: { Id: "/change/C-APPLY", Status: "PENDING", SubmittedAt: new Date() } })
            .resolvesOnce({ ChangeInfo: { Id: "/change/C-ROLLBACK", Status: "PENDING", SubmittedAt: new Date() } });
        r53.on(GetChangeCommand, { Id: "/change/C-APPLY" })
            .resolvesOnce({ ChangeInfo: { Id: "/change/C-APPLY", Status: "PENDING", SubmittedAt: new Date() } })
            .resolves({ ChangeInfo: { Id: "/change/C-APPLY", Status: "INSYNC", SubmittedAt: new Date() } });
        r53.on(GetChangeCommand, { Id: "/change/C-ROLLBACK" })
            .resolvesOnce({ ChangeInfo: { Id: "/change/C-ROLLBACK", Status: "PENDING", SubmittedAt: new Date() } })
            .resolves({ ChangeInfo: { Id: "/change/C-ROLLBACK", Status: "INSYNC", SubmittedAt: new Date() } });
        r53.on(GetHealthCheckStatusCommand).resolves(ok);
    });
    after(() => {
        r53.restore();
        cw.restore();
    });

    const deps = (): WorkflowDeps => ({ settings: { region: "eu-west-1" }, route53: new Route53Client({ region: "us-east-1" }), cloudwatch: new CloudWatchClient({ region: "eu-west-1" }) });
    const input = { hostedZoneId: ZONE, recordName: "ingest.example.com", weights: { blue: 90, green: 10 }, soakSeconds: 90, checkIntervalSeconds: 30, alarmNames: ["prod-ingestion-5xx"] };
    const alarm = (state: string) => ({ MetricAlarms: [{ AlarmName: "prod-ingestion-5xx", StateValue: state as "OK", StateReason: state === "ALARM" ? "Threshold Crossed: 1 datapoint [12.0] >= 5.0" : "ok" }] });

    it("rolls back on its own when an alarm fires during the soak, restores the records and fails with the reason", async () => {
        // Snapshot check (alarm exists), soak check 1 OK, soak check 2 ALARM.
        cw.on(DescribeAlarmsCommand).resolvesOnce(alarm("OK")).resolvesOnce(alarm("OK")).resolves(alarm("ALARM"));
        const run = await runLocalWorkflow("shift", input, { deps: deps() });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("TrafficShiftRolledBack");
        expect(run.cause).to.equal(
            'rolled back {"blue":"weight 90","green":"weight 10"} to {"blue":"weight 100","green":"weight 0"} because soak check 2 of 3: alarm prod-ingestion-5xx is in ALARM (Threshold Crossed: 1 datapoint [12.0] >= 5.0)',
        );
        const changes = r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input);
        expect(changes).to.have.length(2);
        expect(changes[0].HostedZoneId).to.equal(ZONE);
        expect(changes[0].ChangeBatch!.Changes).to.deep.equal([
            { Action: "UPSERT", ResourceRecordSet: { ...blue, Weight: 90 } },
            { Action: "UPSERT", ResourceRecordSet: { ...green, Weight: 10 } },
        ]);
        expect(changes[1].ChangeBatch!.Changes).to.deep.equal([
            { Action: "UPSERT", ResourceRecordSet: blue },
            { Action: "UPSERT", ResourceRecordSet: green },
        ]);
        // Waited for INSYNC (one PENDING poll each) before soaking and before failing.
        expect(r53.commandCalls(GetChangeCommand).map((c) => c.args[0].input.Id)).to.deep.equal(["/change/C-APPLY", "/change/C-APPLY", "/change/C-ROLLBACK", "/change/C-ROLLBACK"]);
        expect(run.statesEntered).to.deep.equal([
            "Snapshot",
            "ApplyChange",
            "WaitInSync",
            "CheckInSync",
            "InSync?",
            "WaitInSync",
            "CheckInSync",
            "InSync?",
            "SoakWait",
            "SoakCheck",
            "SoakResult?",
            "SoakWait",
            "SoakCheck",
            "SoakResult?",
            "Rollback",
            "WaitRollbackInSync",
            "CheckRollbackInSync",
            "RollbackInSync?",
            "WaitRollbackInSync",
            "CheckRollbackInSync",
            "RollbackInSync?",
            "RolledBack",
        ]);
    });

    it("rolls back when a health check turns unhealthy", async () => {
        cw.on(DescribeAlarmsCommand).resolves(alarm("OK"));
        r53.on(GetHealthCheckStatusCommand, { HealthCheckId: "hc-green" }).resolves({
            HealthCheckObservations: [1, 2, 3, 4, 5, 6].map((i) => ({ IPAddress: `2.2.2.${i}`, StatusReport: { Status: i === 1 ? "Success: HTTP Status Code 200" : "Failure: Connection timed out" } })),
        });
        const run = await runLocalWorkflow("shift", input, { deps: deps() });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("TrafficShiftRolledBack");
        expect(run.cause).to.match(/because soak check 1 of 3: health check hc-green is unhealthy \(1 of 6 checkers report success\)$/);
        expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(2);
    });

    it("keeps the change when the soak passes", async () => {
        cw.on(DescribeAlarmsCommand).resolves(alarm("OK"));
        const run = await runLocalWorkflow("shift", input, { deps: deps() });
        expect(run.status, `${run.error}: ${run.cause}`).to.equal("SUCCEEDED");
        expect(run.output).to.deep.equal({
            hostedZoneId: ZONE,
            recordName: NAME,
            recordType: "A",
            before: { blue: "weight 100", green: "weight 0" },
            after: { blue: "weight 90", green: "weight 10" },
            changeId: "/change/C-APPLY",
            soakChecks: 3,
            status: "SHIFTED",
        });
        expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(1);
        expect(run.statesEntered.filter((s) => s === "SoakCheck")).to.have.length(3);
    });

    it("fails when a set identifier does not exist, before changing anything", async () => {
        cw.on(DescribeAlarmsCommand).resolves(alarm("OK"));
        const run = await runLocalWorkflow("shift", { ...input, weights: { blue: 50, purple: 50 } }, { deps: deps() });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("InvalidTrafficShiftInput");
        expect(run.cause).to.equal('`weights.purple`: no weighted record with set identifier "purple" for ingest.example.com. A in zone Z0123456789ABC (existing: "blue", "green").');
        expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
    });

    it("fails when an alarm to watch does not exist", async () => {
        cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
        const run = await runLocalWorkflow("shift", input, { deps: deps() });
        expect(run.error).to.equal("InvalidTrafficShiftInput");
        expect(run.cause).to.equal('`alarmNames`: no CloudWatch alarm named "prod-ingestion-5xx"; the soak would not watch them.');
        expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(0);
    });
});

describe("workflows: traffic shift planning (pure)", () => {
    const primary: ResourceRecordSet = { Name: NAME, Type: "A", SetIdentifier: "eu-west-1", Failover: "PRIMARY", HealthCheckId: "hc1", ResourceRecords: [{ Value: "10.0.0.1" }], TTL: 60 };
    const secondary: ResourceRecordSet = { Name: NAME, Type: "A", SetIdentifier: "eu-west-2", Failover: "SECONDARY", ResourceRecords: [{ Value: "10.0.0.2" }], TTL: 60 };

    it("fails over by swapping PRIMARY and SECONDARY, with the exact undo", () => {
        const req = parseShiftInput({ hostedZoneId: ZONE, recordName: NAME, failoverTo: "eu-west-2" });
        const plan = planShift(req, [primary, secondary]);
        expect(plan.changes).to.deep.equal([
            { Action: "UPSERT", ResourceRecordSet: { ...primary, Failover: "SECONDARY" } },
            { Action: "UPSERT", ResourceRecordSet: { ...secondary, Failover: "PRIMARY" } },
        ]);
        expect(plan.rollback).to.deep.equal([
            { Action: "UPSERT", ResourceRecordSet: primary },
            { Action: "UPSERT", ResourceRecordSet: secondary },
        ]);
        expect(plan.healthCheckIds).to.deep.equal(["hc1"]);
        expect(req).to.include({ soakSeconds: 300, checkIntervalSeconds: 30, soakChecks: 10 });
    });

    it("fails when nothing would change", () => {
        const req = parseShiftInput({ hostedZoneId: ZONE, recordName: NAME, failoverTo: "eu-west-1" });
        expect(() => planShift(req, [primary, secondary])).to.throw('nothing to change: ingest.example.com. A in zone Z0123456789ABC already routes to "eu-west-1" as PRIMARY.');
    });

    it("fails when input is malformed, naming the argument", () => {
        expect(() => parseShiftInput({ hostedZoneId: "nope", recordName: NAME, failoverTo: "a" })).to.throw('`hostedZoneId` must be a Route 53 hosted zone id such as "Z0123456789ABC" (received "nope").');
        expect(() => parseShiftInput({ hostedZoneId: ZONE, recordName: NAME })).to.throw("give `weights`");
        expect(() => parseShiftInput({ hostedZoneId: ZONE, recordName: NAME, weights: { a: 256 } })).to.throw("`weights.a` must be an integer between 0 and 255 (received 256).");
        expect(() => parseShiftInput({ hostedZoneId: ZONE, recordName: NAME, weights: { a: 1 }, soakSeconds: -1 })).to.throw("`soakSeconds` must be an integer between 0 and 86400 (received -1).");
    });

    it("judges health like Route 53 (healthy above 18% of checkers) and alarms by ALARM state", () => {
        expect(soakVerdict([{ healthCheckId: "h", statuses: ["Success", "Failure", "Failure", "Failure", "Failure"] }], [])).to.equal(undefined);
        expect(soakVerdict([{ healthCheckId: "h", statuses: ["Success", "Failure", "Failure", "Failure", "Failure", "Failure"] }], [])).to.equal("health check h is unhealthy (1 of 6 checkers report success)");
        expect(
            soakVerdict(
                [],
                [
                    { name: "a", state: "INSUFFICIENT_DATA" },
                    { name: "b", state: "ALARM" },
                ],
            ),
        ).to.equal("alarm b is in ALARM");
    });
});
