export * from "./common";
export * from "./replay";
export * from "./reshard";
export * from "./traffic-shift";
