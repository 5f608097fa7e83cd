export * from "./validation";
export * from "./metrics";
export * from "./alarms";
export * from "./iam";
export * from "./tags";
export * from "./bundle";
export * from "./flowLogs";
