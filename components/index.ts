/**
 * The platform's component library, the package `@flightstream/components`
 * (components/package.json, components/README.md). Import it in your own stack:
 *
 *   import { KinesisStream, OnCall } from "@flightstream/components";
 *
 * One component per file under components/<area>/; see each class comment for
 * the resources it creates and each `XxxArgs` for documented defaults.
 */
export * from "./common";
export * from "./oncall";
export * from "./stream";
export * from "./ingestion";
export * from "./lake";
export * from "./pond";
export * from "./analytics";
export * from "./workflows";
export * from "./sources";
export * from "./platform";
