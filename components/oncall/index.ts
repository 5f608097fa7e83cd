export * from "./OnCall";
export * from "./Dashboard";
export * from "./IngestionPathAlarm";
