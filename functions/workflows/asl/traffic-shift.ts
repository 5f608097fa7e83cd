/**
 * Traffic shift / failover (Route 53):
 *
 *   Snapshot ─► Apply ─► WaitInSync ⇄ CheckInSync ─► SoakWait ⇄ SoakCheck ─► Shifted
 *                                                        │ alarm / unhealthy / error
 *                                                        ▼
 *                            Rollback ─► WaitRollbackInSync ⇄ CheckRollbackInSync ─► RolledBack (Fail)
 *
 * The soak runs `soakChecks` = ceil(soakSeconds / checkIntervalSeconds) checks.
 */
import { AslDefinition, requireInt, requireString, task } from "./common";

export interface TrafficShiftAslOptions {
    readonly taskFunctionArn: string;
    /** Seconds between GetChange polls. @default 10 */
    readonly changePollSeconds?: number;
    /** @default 86400 */
    readonly timeoutSeconds?: number;
}

export const SHIFT_STATES = {
    snapshot: "Snapshot",
    apply: "ApplyChange",
    waitInSync: "WaitInSync",
    checkInSync: "CheckInSync",
    inSync: "InSync?",
    soakWait: "SoakWait",
    soakCheck: "SoakCheck",
    soakResult: "SoakResult?",
    shifted: "Shifted",
    rollback: "Rollback",
    waitRollback: "WaitRollbackInSync",
    checkRollback: "CheckRollbackInSync",
    rollbackInSync: "RollbackInSync?",
    rolledBack: "RolledBack",
} as const;

export const ROLLED_BACK_ERROR = "TrafficShiftRolledBack";

export function trafficShiftDefinition(opts: TrafficShiftAslOptions): AslDefinition {
    const fn = requireString("trafficShiftDefinition", "taskFunctionArn", opts.taskFunctionArn);
    const poll = requireInt("trafficShiftDefinition", "changePollSeconds", opts.changePollSeconds ?? 10, 1, 600);
    const S = SHIFT_STATES;
    const toRollback = { errors: ["States.ALL"], next: S.rollback };
    return {
        Comment: "Shift Route 53 weighted/failover records, wait INSYNC, soak on health checks and alarms, roll back on its own when they fire.",
        StartAt: S.snapshot,
        TimeoutSeconds: requireInt("trafficShiftDefinition", "timeoutSeconds", opts.timeoutSeconds ?? 86400, 60, 31536000),
        States: {
            [S.snapshot]: task(fn, "shift.snapshot", S.apply, { input: true, comment: "Validate; record the current records (for rollback); plan the change." }),
            [S.apply]: task(fn, "shift.apply", S.waitInSync, { retryErrors: ["PriorRequestNotComplete", "Throttling"] }),
            [S.waitInSync]: { Type: "Wait", Seconds: poll, Next: S.checkInSync },
            [S.checkInSync]: task(fn, "shift.changeStatus", S.inSync, { catch: toRollback }),
            [S.inSync]: {
                Type: "Choice",
                Choices: [{ Variable: "$.changeStatus", StringEquals: "INSYNC", Next: S.soakWait }],
                Default: S.waitInSync,
            },
            [S.soakWait]: { Type: "Wait", SecondsPath: "$.checkIntervalSeconds", Next: S.soakCheck },
            [S.soakCheck]: task(fn, "shift.check", S.soakResult, { catch: toRollback }),
            [S.soakResult]: {
                Type: "Choice",
                Choices: [
                    { Variable: "$.fired", BooleanEquals: true, Next: S.rollback },
                    { Variable: "$.checksDone", NumericGreaterThanEqualsPath: "$.soakChecks", Next: S.shifted },
                ],
                Default: S.soakWait,
            },
            [S.shifted]: task(fn, "shift.summarize", { End: true }),
            [S.rollback]: task(fn, "shift.rollback", S.waitRollback, { retryErrors: ["PriorRequestNotComplete", "Throttling", "States.TaskFailed"] }),
            [S.waitRollback]: { Type: "Wait", Seconds: poll, Next: S.checkRollback },
            [S.checkRollback]: task(fn, "shift.changeStatus", S.rollbackInSync),
            [S.rollbackInSync]: {
                Type: "Choice",
                Choices: [{ Variable: "$.changeStatus", StringEquals: "INSYNC", Next: S.rolledBack }],
                Default: S.waitRollback,
            },
            [S.rolledBack]: { Type: "Fail", Error: ROLLED_BACK_ERROR, CausePath: "$.reason" },
        },
    };
}
