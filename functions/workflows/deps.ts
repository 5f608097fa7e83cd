/**
 * What the workflow tasks need from the outside world. The Lambda handler
 * builds it from env (functions/workflows/config.ts); the local runner
 * (local/workflows.ts) builds it from the emulators. Same task code either way.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { KinesisStreamEvent } from "aws-lambda";
import type { ReshardLedger } from "./ledger";
import type { MeasuredFigures } from "../shared/capacity";

/** What a replay target (the stream processor) answered. */
export interface DeliveryResult {
    /** Sequence numbers the processor reported as failed (ReportBatchItemFailures). */
    readonly failedSequenceNumbers: string[];
}

/** Re-delivers a Kinesis-event-shaped batch to a replay target. */
export type Deliver = (target: string, event: KinesisStreamEvent) => Promise<DeliveryResult>;

export type WorkflowKind = "replay" | "reshard" | "shift";

export interface WorkflowSettings {
    readonly streamName?: string;
    /** Stream ARN put into re-delivered events' `eventSourceARN`. */
    readonly streamArn?: string;
    readonly region: string;
    /** Stream retention, hours. @default 24 */
    readonly retentionHours?: number;
    /** Lake bucket (replay beyond retention). @default - no lake */
    readonly lakeBucket?: string;
    /** @default - forever */
    readonly lakeRetentionDays?: number;
    /** How long the processor keeps counted identities (replay refuses older windows). @default - retentionHours + 24 */
    readonly processedRetentionHours?: number;
    /** Replay target names. @default ["analytics"] */
    readonly targets?: readonly string[];
    /** Records one replay page reads before returning. @default 5000 */
    readonly pageMaxRecords?: number;
    /** Seconds one replay page may run before returning. @default 60 */
    readonly pageMaxSeconds?: number;
    /** Records per delivery to the processor. @default 500 */
    readonly deliveryBatchSize?: number;
    /** Highest shard count a reshard may target. @default 10000 */
    readonly maxShards?: number;
    /** The planner's measured figures (bench/results.json) a reshard by throughput is sized with. @default - the Kinesis-only planner */
    readonly plannerFigures?: MeasuredFigures;
    /** DescribeStreamSummary polls before a reshard step times out. @default 120 */
    readonly reshardMaxPolls?: number;
    /** The hosted zone a traffic-shift function may change (input may omit it). @default - any */
    readonly hostedZoneId?: string;
    /** GetChange polls before a Route 53 change times out. @default 120 */
    readonly changeMaxPolls?: number;
}

export interface WorkflowDeps {
    readonly settings: WorkflowSettings;
    readonly kinesis?: KinesisClient;
    readonly s3?: S3Client;
    readonly route53?: Route53Client;
    readonly cloudwatch?: CloudWatchClient;
    readonly ledger?: ReshardLedger;
    readonly deliver?: Deliver;
    /** @default () => new Date() */
    readonly now?: () => Date;
    /** @default setTimeout */
    readonly sleep?: (ms: number) => Promise<void>;
}

export function need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`workflow task misconfigured: ${what} is not set.`);
    return value;
}
