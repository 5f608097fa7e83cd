export * from "./KinesisStream";
