export * from "./Pond";
export * from "./PondEtl";
