/**
 * The Kinesis event source mapping settings every stream consumer is deployed
 * with (StreamConsumer, hence StreamProcessor), as a pure function without
 * Pulumi imports: the local platform (local/platform.ts, local/consumers.ts)
 * runs its mappings with the same function, so the local processor cannot
 * silently differ from the deployed one.
 */

/** The mapping arguments of StreamConsumer / StreamProcessor. */
export interface StreamMappingArgs {
    /** Records per batch, 1..10000. @default 500 */
    readonly batchSize?: number;
    /** Batching window, 0..300 s. @default 1 */
    readonly batchingWindowSeconds?: number;
    /** Concurrent batches per shard, 1..10. @default 1 */
    readonly parallelizationFactor?: number;
    /** Retries of a failing batch, -1 (until the record expires) or 0..10000. @default 10 */
    readonly maxRetryAttempts?: number;
    /** Records older than this go to the on-failure queue, -1 or 60..604800 s. @default 86400 */
    readonly maxRecordAgeSeconds?: number;
    /** @default "TRIM_HORIZON" */
    readonly startingPosition?: "TRIM_HORIZON" | "LATEST";
}

/** The defaults of {@link StreamMappingArgs}. */
export const STREAM_MAPPING_DEFAULTS = {
    batchSize: 500,
    batchingWindowSeconds: 1,
    parallelizationFactor: 1,
    maxRetryAttempts: 10,
    maxRecordAgeSeconds: 86400,
    startingPosition: "TRIM_HORIZON",
} as const satisfies Required<StreamMappingArgs>;

/** The checks `checkStreamMappingArgs` needs (components/common/validation.ts `validator` has them). */
export interface MappingArgsValidator {
    intRange(argument: string, value: number | undefined, min: number, max: number): void;
    oneOf<T extends string>(argument: string, value: T | undefined, allowed: readonly T[]): void;
}

/** Checks the ranges documented on {@link StreamMappingArgs} (undefined arguments take their defaults). */
export function checkStreamMappingArgs(v: MappingArgsValidator, args: StreamMappingArgs): void {
    v.intRange("batchSize", args.batchSize, 1, 10000);
    v.intRange("batchingWindowSeconds", args.batchingWindowSeconds, 0, 300);
    v.intRange("parallelizationFactor", args.parallelizationFactor, 1, 10);
    v.intRange("maxRetryAttempts", args.maxRetryAttempts, -1, 10000);
    if (args.maxRecordAgeSeconds !== -1) v.intRange("maxRecordAgeSeconds", args.maxRecordAgeSeconds, 60, 604800);
    v.oneOf("startingPosition", args.startingPosition, ["TRIM_HORIZON", "LATEST"] as const);
}

/** Only the {@link StreamMappingArgs} of a component's arguments (to hand them on). */
export function streamMappingArgsOf(args: StreamMappingArgs): StreamMappingArgs {
    const { batchSize, batchingWindowSeconds, parallelizationFactor, maxRetryAttempts, maxRecordAgeSeconds, startingPosition } = args;
    return { batchSize, batchingWindowSeconds, parallelizationFactor, maxRetryAttempts, maxRecordAgeSeconds, startingPosition };
}

/** The aws.lambda.EventSourceMapping settings (property names as in its args) a consumer's mapping gets. */
export interface StreamMappingSettings {
    readonly startingPosition: "TRIM_HORIZON" | "LATEST";
    readonly batchSize: number;
    readonly maximumBatchingWindowInSeconds: number;
    readonly parallelizationFactor: number;
    /** Always on: a poison record is isolated instead of blocking its shard. */
    readonly bisectBatchOnFunctionError: true;
    /** Always ReportBatchItemFailures: the handlers answer partial batch responses. */
    readonly functionResponseTypes: ["ReportBatchItemFailures"];
    readonly maximumRetryAttempts: number;
    readonly maximumRecordAgeInSeconds: number;
}

export function streamMappingSettings(args: StreamMappingArgs = {}): StreamMappingSettings {
    const d = STREAM_MAPPING_DEFAULTS;
    return {
        startingPosition: args.startingPosition ?? d.startingPosition,
        batchSize: args.batchSize ?? d.batchSize,
        maximumBatchingWindowInSeconds: args.batchingWindowSeconds ?? d.batchingWindowSeconds,
        parallelizationFactor: args.parallelizationFactor ?? d.parallelizationFactor,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        maximumRetryAttempts: args.maxRetryAttempts ?? d.maxRetryAttempts,
        maximumRecordAgeInSeconds: args.maxRecordAgeSeconds ?? d.maxRecordAgeSeconds,
    };
}
