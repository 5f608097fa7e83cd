/**
 * Traffic shift / failover tasks: snapshot the records and plan the change,
 * apply it, poll GetChange until INSYNC, check health checks and alarms
 * during the soak, and roll back (restore the previous records).
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { Change, ListResourceRecordSetsCommandOutput, ChangeResourceRecordSetsCommand, GetChangeCommand, GetHealthCheckStatusCommand, ListResourceRecordSetsCommand, ResourceRecordSet } from "@aws-sdk/client-route-53";
import { WorkflowDeps, need } from "./deps";
import { WorkflowError } from "./errors";
import { AlarmObservation, HealthObservation, normalizeName, parseShiftInput, planShift, ShiftRequest, soakVerdict, TrafficShiftInput } from "./traffic";

export interface ShiftState extends ShiftRequest {
    readonly changes: Change[];
    readonly rollback: Change[];
    readonly healthCheckIds: string[];
    readonly before: Record<string, string>;
    readonly after: Record<string, string>;
    /** The change being waited on (apply, then rollback). */
    readonly changeId?: string;
    readonly changeStatus?: string;
    readonly polls: number;
    readonly checksDone: number;
    /** Set when a soak check found a problem (or a task failed): why we roll back. */
    readonly fired: boolean;
    readonly reason?: string;
    readonly rolledBack?: boolean;
    /** Catch puts the failed task's error here. */
    readonly error?: { Error?: string; Cause?: string };
}

async function currentRecords(deps: WorkflowDeps, req: ShiftRequest): Promise<ResourceRecordSet[]> {
    const route53 = need(deps.route53, "the Route 53 client");
    const out: ResourceRecordSet[] = [];
    let name: string | undefined = req.recordName;
    let type: string | undefined = req.recordType;
    let id: string | undefined;
    for (let page = 0; page < 20 && name !== undefined; page++) {
        const res: ListResourceRecordSetsCommandOutput = await route53.send(
            new ListResourceRecordSetsCommand({
                HostedZoneId: req.hostedZoneId,
                StartRecordName: name,
                StartRecordType: type as never,
                ...(id ? { StartRecordIdentifier: id } : {}),
                MaxItems: 100,
            }),
        );
        const sets = res.ResourceRecordSets ?? [];
        const matching = sets.filter((r) => normalizeName(r.Name ?? "") === req.recordName && r.Type === req.recordType);
        out.push(...matching);
        if (!res.IsTruncated || matching.length < sets.length) break;
        name = res.NextRecordName;
        type = res.NextRecordType;
        id = res.NextRecordIdentifier;
    }
    return out;
}

/** Task `shift.snapshot`: validate, read the records, plan the change and its rollback. */
export async function snapshotShift(input: TrafficShiftInput, deps: WorkflowDeps): Promise<ShiftState> {
    const zone = deps.settings.hostedZoneId;
    const given = (input as { hostedZoneId?: unknown } | null)?.hostedZoneId;
    if (zone !== undefined && given !== undefined && String(given).replace(/^\/hostedzone\//, "") !== zone) {
        throw new WorkflowError("InvalidTrafficShiftInput", `\`hostedZoneId\` must be ${zone}, the zone this workflow manages (received ${JSON.stringify(given)}).`);
    }
    const req = parseShiftInput(zone !== undefined && given === undefined && typeof input === "object" && input !== null ? { ...input, hostedZoneId: zone } : input);
    const plan = planShift(req, await currentRecords(deps, req));
    if (req.alarmNames.length > 0) {
        const found = await describeAlarms(deps, req.alarmNames);
        const missing = req.alarmNames.filter((n) => !found.some((a) => a.name === n));
        if (missing.length > 0) throw new WorkflowError("InvalidTrafficShiftInput", `\`alarmNames\`: no CloudWatch alarm named ${missing.map((m) => `"${m}"`).join(", ")}; the soak would not watch them.`);
    }
    return { ...req, ...plan, polls: 0, checksDone: 0, fired: false };
}

async function change(deps: WorkflowDeps, state: ShiftState, changes: Change[], comment: string): Promise<string> {
    const res = await need(deps.route53, "the Route 53 client").send(
        new ChangeResourceRecordSetsCommand({
            HostedZoneId: state.hostedZoneId,
            ChangeBatch: { Comment: comment, Changes: changes },
        }),
    );
    return res.ChangeInfo!.Id!;
}

/** Task `shift.apply`. */
export async function applyShift(state: ShiftState, deps: WorkflowDeps): Promise<ShiftState> {
    const changeId = await change(deps, state, state.changes, `traffic shift ${state.recordName}: ${JSON.stringify(state.after)}`);
    return { ...state, changeId, changeStatus: "PENDING", polls: 0 };
}

/** Task `shift.changeStatus`: one GetChange poll. */
export async function pollChange(state: ShiftState, deps: WorkflowDeps): Promise<ShiftState> {
    const res = await need(deps.route53, "the Route 53 client").send(new GetChangeCommand({ Id: need(state.changeId, "changeId") }));
    const status = res.ChangeInfo?.Status ?? "PENDING";
    const polls = state.polls + 1;
    if (status !== "INSYNC" && polls >= (deps.settings.changeMaxPolls ?? 120)) {
        throw new WorkflowError("TrafficShiftTimeout", `Route 53 change ${state.changeId} is still ${status} after ${polls} polls.`);
    }
    return { ...state, changeStatus: status, polls };
}

async function describeAlarms(deps: WorkflowDeps, names: string[]): Promise<AlarmObservation[]> {
    const cw = need(deps.cloudwatch, "the CloudWatch client");
    const out: AlarmObservation[] = [];
    for (let i = 0; i < names.length; i += 100) {
        let token: string | undefined;
        do {
            const res = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ["MetricAlarm", "CompositeAlarm"], NextToken: token }));
            for (const a of [...(res.MetricAlarms ?? []), ...(res.CompositeAlarms ?? [])]) {
                out.push({ name: a.AlarmName!, state: a.StateValue ?? "INSUFFICIENT_DATA", reason: a.StateReason });
            }
            token = res.NextToken;
        } while (token);
    }
    return out;
}

/** Task `shift.check`: one soak check of health checks and alarms. */
export async function checkSoak(state: ShiftState, deps: WorkflowDeps): Promise<ShiftState> {
    const route53 = need(deps.route53, "the Route 53 client");
    const health: HealthObservation[] = [];
    for (const id of state.healthCheckIds) {
        const res = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
        health.push({ healthCheckId: id, statuses: (res.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status ?? "") });
    }
    const alarms = state.alarmNames.length > 0 ? await describeAlarms(deps, state.alarmNames) : [];
    const reason = soakVerdict(health, alarms);
    const checksDone = state.checksDone + 1;
    return reason ? { ...state, checksDone, fired: true, reason: `soak check ${checksDone} of ${state.soakChecks}: ${reason}` } : { ...state, checksDone, fired: false };
}

/** Task `shift.rollback`: restore the records as they were. */
export async function rollbackShift(state: ShiftState, deps: WorkflowDeps): Promise<ShiftState> {
    const reason = state.reason ?? (state.error ? `${state.error.Error ?? "error"} during the soak: ${state.error.Cause ?? ""}` : "rollback requested");
    const changeId = await change(deps, state, state.rollback, `rollback of traffic shift ${state.recordName}: ${reason}`.slice(0, 256));
    return { ...state, reason: `rolled back ${JSON.stringify(state.after)} to ${JSON.stringify(state.before)} because ${reason}`, changeId, changeStatus: "PENDING", polls: 0, rolledBack: true };
}

/** Task `shift.summarize`: the execution's output. */
export function summarizeShift(state: ShiftState): Record<string, unknown> {
    return {
        hostedZoneId: state.hostedZoneId,
        recordName: state.recordName,
        recordType: state.recordType,
        before: state.before,
        after: state.after,
        changeId: state.changeId,
        soakChecks: state.checksDone,
        status: "SHIFTED",
    };
}
