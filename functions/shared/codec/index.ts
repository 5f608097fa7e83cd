export * from "./limits";
export * from "./hash-key";
export * from "./compression";
export * from "./aggregated-record";
export * from "./aggregator";
export * from "./batches";
export * from "./decode";
export { ProtoDecodeError } from "./protobuf";
