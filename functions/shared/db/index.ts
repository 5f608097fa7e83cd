export * from "./dataapi";
export * from "./sql-split";
export * from "./migrations";
