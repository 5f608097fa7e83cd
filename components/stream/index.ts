export * from "./KinesisStream";
export * from "./StreamConsumer";
export * from "./mapping";
