export * from "./DataLake";
export * from "./LakeDelivery";
export * from "./LakeCatalog";
