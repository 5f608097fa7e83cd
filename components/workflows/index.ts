export * from "./Workflow";
export * from "./ReplayWorkflow";
export * from "./ReshardWorkflow";
export * from "./TrafficShiftWorkflow";
