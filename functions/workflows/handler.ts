/**
 * Lambda entry point of the workflow tasks (`index.handler`). One bundle,
 * deployed once per workflow with `WORKFLOW` = replay | reshard | shift.
 */
import { depsFromEnv, workflowKind } from "./config";
import { WorkflowDeps } from "./deps";
import { dispatch, TaskEvent } from "./dispatch";

let deps: WorkflowDeps | undefined;

export async function handler(event: TaskEvent): Promise<unknown> {
    deps ??= depsFromEnv(process.env);
    return dispatch(event, deps, [workflowKind(process.env)]);
}
