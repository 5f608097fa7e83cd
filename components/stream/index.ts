export * from "./KinesisStream";
export * from "./StreamConsumer";
