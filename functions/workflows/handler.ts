/**
 * Lambda entry point of the workflow tasks (`index.handler`). One bundle,
 * deployed once per workflow with `WORKFLOW` = replay | reshard | shift, and
 * once as the auto-reshard starter with `WORKFLOW` = reshard-auto.
 */
import { autoReshard, AutoReshardDeps } from "./auto-reshard";
import { autoReshardDepsFromEnv } from "./auto-reshard-aws";
import { depsFromEnv, workflowKind } from "./config";
import { WorkflowDeps } from "./deps";
import { dispatch, TaskEvent } from "./dispatch";

let deps: WorkflowDeps | undefined;
let autoDeps: AutoReshardDeps | undefined;

export async function handler(event: TaskEvent): Promise<unknown> {
    if (process.env.WORKFLOW === "reshard-auto") {
        autoDeps ??= autoReshardDepsFromEnv(process.env);
        return autoReshard(event, autoDeps);
    }
    deps ??= depsFromEnv(process.env);
    return dispatch(event, deps, [workflowKind(process.env)]);
}
