export * from "./OnCall";
export * from "./Dashboard";
export * from "./IngestionPathAlarm";
export * from "./schedule";
export * from "./Observability";
