export * from "./AuroraDatabase";
export * from "./StreamProcessor";
export * from "./AlertDelivery";
export * from "./InsightsApi";
export * from "./SchemaMigrations";
export { privateSubnetCidrs } from "./network";
export * from "./ScoringEndpoint";
export * from "./ModelTraining";
