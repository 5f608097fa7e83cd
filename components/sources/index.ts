export * from "./ScheduledSource";
