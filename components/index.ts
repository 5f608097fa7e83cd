/**
 * The platform's component library. Import from here in your own stack:
 *
 *   import { KinesisStream, OnCall } from "flightstream/components";
 */
export * from "./common";
export * from "./oncall";
export * from "./stream";
export { Workflow, WorkflowArgs } from "./workflows/Workflow";
