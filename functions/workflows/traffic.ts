/**
 * Route 53 traffic shift / failover planning (pure): from the record sets that
 * exist now and the operator's request, the UPSERT batch to apply and the
 * batch that restores the previous state; plus the soak verdict from health
 * check observations and alarm states.
 */
import type { Change, ResourceRecordSet } from "@aws-sdk/client-route-53";
import { FieldName, WorkflowError, inputField, show } from "./errors";

export interface TrafficShiftInput {
    readonly hostedZoneId?: unknown;
    readonly recordName?: unknown;
    /** @default "A" */
    readonly recordType?: unknown;
    /** New weights by set identifier (weighted records). Give this or `failoverTo`. */
    readonly weights?: unknown;
    /** Set identifier that becomes PRIMARY (failover records); the others become SECONDARY. */
    readonly failoverTo?: unknown;
    /** How long to watch health checks and alarms after the change is INSYNC. @default 300 */
    readonly soakSeconds?: unknown;
    /** Seconds between soak checks. @default 30 */
    readonly checkIntervalSeconds?: unknown;
    /** CloudWatch alarms whose ALARM state rolls the change back. @default [] */
    readonly alarmNames?: unknown;
}

export interface ShiftRequest {
    readonly hostedZoneId: string;
    readonly recordName: string;
    readonly recordType: string;
    readonly weights?: Record<string, number>;
    readonly failoverTo?: string;
    readonly soakSeconds: number;
    readonly checkIntervalSeconds: number;
    readonly soakChecks: number;
    readonly alarmNames: string[];
}

export interface ShiftPlan {
    readonly changes: Change[];
    readonly rollback: Change[];
    readonly healthCheckIds: string[];
    /** What the records said before and say after, by set identifier (for the operator). */
    readonly before: Record<string, string>;
    readonly after: Record<string, string>;
}

const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT", "MX", "SRV", "NS", "PTR", "SPF", "CAA", "DS", "NAPTR"];

function bad(message: string): never {
    throw new WorkflowError("InvalidTrafficShiftInput", message);
}

/** Route 53 returns names fully qualified (trailing dot) and lower case. */
export function normalizeName(name: string): string {
    const n = name.toLowerCase();
    return n.endsWith(".") ? n : `${n}.`;
}

/** Validates the request (without looking at Route 53). */
export function parseShiftInput(input: TrafficShiftInput, name: FieldName = inputField): ShiftRequest {
    if (typeof input !== "object" || input === null || Array.isArray(input)) bad(`traffic shift input must be an object (received ${show(input)}).`);
    const { hostedZoneId, recordName } = input;
    if (typeof hostedZoneId !== "string" || !/^(\/hostedzone\/)?Z[A-Z0-9]{1,32}$/.test(hostedZoneId)) {
        bad(`${name("hostedZoneId")} must be a Route 53 hosted zone id such as "Z0123456789ABC" (received ${show(hostedZoneId)}).`);
    }
    if (typeof recordName !== "string" || !/^[a-zA-Z0-9*_.-]{1,253}\.?$/.test(recordName)) {
        bad(`${name("recordName")} must be a DNS name such as "ingest.example.com" (received ${show(recordName)}).`);
    }
    const recordType = input.recordType ?? "A";
    if (typeof recordType !== "string" || !RECORD_TYPES.includes(recordType)) bad(`${name("recordType")} must be one of ${RECORD_TYPES.join(", ")} (received ${show(input.recordType)}).`);
    const hasWeights = input.weights !== undefined;
    const hasFailover = input.failoverTo !== undefined;
    if (hasWeights === hasFailover) {
        bad(hasWeights ? "give only one of `weights` or `failoverTo` (received both)." : 'give `weights` (e.g. {"blue": 90, "green": 10}) or `failoverTo` (the set identifier to make PRIMARY) (received neither).');
    }
    let weights: Record<string, number> | undefined;
    if (hasWeights) {
        const w = input.weights;
        if (typeof w !== "object" || w === null || Array.isArray(w) || Object.keys(w).length === 0) {
            bad(`${name("weights")} must be an object of set identifier to weight, such as {"blue": 90, "green": 10} (received ${show(w)}).`);
        }
        weights = {};
        for (const [id, value] of Object.entries(w as Record<string, unknown>)) {
            if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 255) {
                bad(`${name("weights", id)} must be an integer between 0 and 255 (received ${show(value)}).`);
            }
            weights[id] = value;
        }
        if (Object.values(weights).every((x) => x === 0) && Object.keys(weights).length > 1) {
            bad(`${name("weights")} must not all be 0 (received ${show(w)}); Route 53 would then spread traffic evenly.`);
        }
    }
    if (hasFailover && (typeof input.failoverTo !== "string" || input.failoverTo.length === 0)) {
        bad(`${name("failoverTo")} must be the set identifier of a failover record (received ${show(input.failoverTo)}).`);
    }
    const soakSeconds = input.soakSeconds ?? 300;
    if (typeof soakSeconds !== "number" || !Number.isInteger(soakSeconds) || soakSeconds < 0 || soakSeconds > 86400) {
        bad(`${name("soakSeconds")} must be an integer between 0 and 86400 (received ${show(input.soakSeconds)}).`);
    }
    const checkIntervalSeconds = input.checkIntervalSeconds ?? 30;
    if (typeof checkIntervalSeconds !== "number" || !Number.isInteger(checkIntervalSeconds) || checkIntervalSeconds < 1 || checkIntervalSeconds > 3600) {
        bad(`${name("checkIntervalSeconds")} must be an integer between 1 and 3600 (received ${show(input.checkIntervalSeconds)}).`);
    }
    const alarmNames = input.alarmNames ?? [];
    if (!Array.isArray(alarmNames) || alarmNames.some((a) => typeof a !== "string" || a.length === 0) || alarmNames.length > 100) {
        bad(`${name("alarmNames")} must be a list of up to 100 CloudWatch alarm names (received ${show(input.alarmNames)}).`);
    }
    return {
        hostedZoneId: hostedZoneId.replace(/^\/hostedzone\//, ""),
        recordName: normalizeName(recordName),
        recordType,
        ...(weights ? { weights } : {}),
        ...(hasFailover ? { failoverTo: input.failoverTo as string } : {}),
        soakSeconds,
        checkIntervalSeconds,
        soakChecks: Math.max(1, Math.ceil(soakSeconds / checkIntervalSeconds)),
        alarmNames: alarmNames as string[],
    };
}

function describe(r: ResourceRecordSet): string {
    if (r.Weight !== undefined) return `weight ${r.Weight}`;
    if (r.Failover !== undefined) return r.Failover;
    return "simple";
}

/** The change to apply and the change that undoes it. */
export function planShift(req: ShiftRequest, current: ResourceRecordSet[]): ShiftPlan {
    const sets = current.filter((r) => normalizeName(r.Name ?? "") === req.recordName && r.Type === req.recordType && r.SetIdentifier !== undefined);
    const where = `${req.recordName} ${req.recordType} in zone ${req.hostedZoneId}`;
    const changed: { before: ResourceRecordSet; after: ResourceRecordSet }[] = [];
    if (req.weights) {
        const weighted = sets.filter((r) => r.Weight !== undefined);
        if (weighted.length === 0) bad(`no weighted records named ${where}; \`weights\` needs weighted routing records.`);
        for (const [id, weight] of Object.entries(req.weights)) {
            const rec = weighted.find((r) => r.SetIdentifier === id);
            if (!rec) bad(`\`weights.${id}\`: no weighted record with set identifier "${id}" for ${where} (existing: ${weighted.map((r) => `"${r.SetIdentifier}"`).join(", ")}).`);
            if (rec.Weight !== weight) changed.push({ before: rec, after: { ...rec, Weight: weight } });
        }
    } else {
        const failover = sets.filter((r) => r.Failover !== undefined);
        if (failover.length === 0) bad(`no failover records named ${where}; \`failoverTo\` needs failover routing records.`);
        if (!failover.some((r) => r.SetIdentifier === req.failoverTo)) {
            bad(`\`failoverTo\`: no failover record with set identifier "${req.failoverTo}" for ${where} (existing: ${failover.map((r) => `"${r.SetIdentifier}"`).join(", ")}).`);
        }
        for (const rec of failover) {
            const role = rec.SetIdentifier === req.failoverTo ? "PRIMARY" : "SECONDARY";
            if (rec.Failover !== role) changed.push({ before: rec, after: { ...rec, Failover: role } });
        }
    }
    if (changed.length === 0) bad(`nothing to change: ${where} already ${req.weights ? `has the weights ${show(req.weights)}` : `routes to "${req.failoverTo}" as PRIMARY`}.`);
    const healthCheckIds = [...new Set(sets.map((r) => r.HealthCheckId).filter((h): h is string => typeof h === "string"))].sort();
    return {
        changes: changed.map((c) => ({ Action: "UPSERT", ResourceRecordSet: c.after })),
        rollback: changed.map((c) => ({ Action: "UPSERT", ResourceRecordSet: c.before })),
        healthCheckIds,
        before: Object.fromEntries(changed.map((c) => [c.before.SetIdentifier!, describe(c.before)])),
        after: Object.fromEntries(changed.map((c) => [c.after.SetIdentifier!, describe(c.after)])),
    };
}

export interface HealthObservation {
    readonly healthCheckId: string;
    /** StatusReport.Status strings of each checker ("Success: ..." / "Failure: ..."). */
    readonly statuses: string[];
}

export interface AlarmObservation {
    readonly name: string;
    readonly state: string;
    readonly reason?: string;
}

/**
 * Route 53 considers an endpoint healthy when more than 18% of its checkers
 * report it healthy; the soak uses the same rule. Returns why the soak
 * failed, or undefined when everything is fine.
 */
export function soakVerdict(health: HealthObservation[], alarms: AlarmObservation[]): string | undefined {
    const reasons: string[] = [];
    for (const h of health) {
        const ok = h.statuses.filter((s) => s.startsWith("Success")).length;
        if (h.statuses.length === 0 || ok / h.statuses.length <= 0.18) {
            reasons.push(`health check ${h.healthCheckId} is unhealthy (${ok} of ${h.statuses.length} checkers report success)`);
        }
    }
    for (const a of alarms) {
        if (a.state === "ALARM") reasons.push(`alarm ${a.name} is in ALARM${a.reason ? ` (${a.reason})` : ""}`);
    }
    return reasons.length > 0 ? reasons.join("; ") : undefined;
}
