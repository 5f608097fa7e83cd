export * from "./server";
export { DataApiService, DATA_API_LIMITS } from "./service";
export type { DataApiServiceOptions, ExecuteStatementRequest, ExecuteStatementResponse } from "./service";
export { PgliteEngine } from "./engine";
export type { SqlEngine, EngineParam, EngineResult, EngineField, TypeInfo } from "./engine";
export { DataApiError } from "./errors";
export { rewriteNamedParameters } from "./sql";
