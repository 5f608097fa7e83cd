export * from "./OnCall";
