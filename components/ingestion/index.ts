export * from "./IngestionService";
export { planSubnets, ELB_LOG_DELIVERY_ACCOUNTS } from "./network";
