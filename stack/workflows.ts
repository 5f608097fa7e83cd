/**
 * The operational workflows of a stack (replay, reshard, traffic shift), all
 * in the ingestion account beside the stream, the processor and the DNS
 * records. The lead wires this into stack/platform.ts; the returned
 * `outputs` become the stack output `workflows`, which the ops CLI reads
 * (`npm run ops -- ... --outputs <pulumi stack output --json file>`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmRouting } from "@flightstream/components/common/alarms";
import { ReplayWorkflow, ReshardWorkflow, TrafficShiftWorkflow } from "@flightstream/components/workflows";
import { StackConfig } from "./config";
import { measuredFigures } from "../functions/shared/capacity";
import benchResults from "../bench/results.json";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

export interface WorkflowStreamRef {
    readonly streamName: pulumi.Input<string>;
    readonly streamArn: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
    readonly retentionHours: number;
}

export interface WorkflowLakeRef {
    readonly bucketName: pulumi.Input<string>;
    readonly bucketArn: pulumi.Input<string>;
    readonly keyArn: pulumi.Input<string>;
    /** @default - forever */
    readonly retentionDays?: number;
}

export interface DeployWorkflowsArgs {
    readonly config: StackConfig;
    /** The ingestion account's provider. */
    readonly provider: aws.Provider;
    readonly stream: WorkflowStreamRef;
    /** The stream processor Lambda (replay target "analytics"). */
    readonly processorFunctionArn: pulumi.Input<string>;
    /** The lake (replay beyond retention). @default - none */
    readonly lake?: WorkflowLakeRef;
    /** On-call routing of the ingestion account. */
    readonly alarmRouting?: AlarmRouting;
    /**
     * What the automatic reshard needs (used when `stream.autoReshard` is on and the stream is provisioned):
     * the stream's capacity alarms and the ingestion account's on-call topics. @default - manual reshards only
     */
    readonly autoReshard?: {
        readonly capacityAlarmNames: pulumi.Input<string>[];
        readonly ticketTopicArn: pulumi.Input<string>;
        readonly pageTopicArn: pulumi.Input<string>;
        readonly topicKeyArn?: pulumi.Input<string>;
    };
}

export interface DeployedWorkflows {
    readonly replay: ReplayWorkflow;
    readonly reshard: ReshardWorkflow;
    readonly trafficShift: TrafficShiftWorkflow;
    /** Stack output `workflows` (read by scripts/ops.ts). */
    readonly outputs: PlatformStackExports["workflows"];
}

export function deployWorkflows(args: DeployWorkflowsArgs): DeployedWorkflows {
    const { config, provider } = args;
    const account = config.accounts.ingestion;
    const opts = { provider };
    const alarms = { routing: args.alarmRouting };
    const logRetentionDays = config.isProd ? 365 : 30;

    const replay = new ReplayWorkflow(
        "replay",
        {
            accountId: account.accountId,
            region: account.region,
            streamName: args.stream.streamName,
            streamArn: args.stream.streamArn,
            streamKmsKeyArn: args.stream.keyArn,
            retentionHours: args.stream.retentionHours,
            processorFunctionArn: args.processorFunctionArn,
            ...(args.lake ? { lakeBucketName: args.lake.bucketName, lakeBucketArn: args.lake.bucketArn, lakeKmsKeyArn: args.lake.keyArn, lakeRetentionDays: args.lake.retentionDays } : {}),
            maxConcurrency: config.isProd ? 20 : 5,
            logRetentionDays,
            alarms,
        },
        opts,
    );

    const auto = args.autoReshard;
    const automatic = config.stream.autoReshard && config.stream.mode === "provisioned" && auto !== undefined && auto.capacityAlarmNames.length > 0;
    const reshard = new ReshardWorkflow(
        "reshard",
        {
            accountId: account.accountId,
            region: account.region,
            streamName: args.stream.streamName,
            streamArn: args.stream.streamArn,
            // The same measured figures `shards: auto` is sized with (stack/stream.ts).
            plannerFigures: measuredFigures(benchResults),
            logRetentionDays,
            alarms,
            ...(automatic ? { automatic: { alarmNames: auto.capacityAlarmNames, ticketTopicArn: auto.ticketTopicArn, pageTopicArn: auto.pageTopicArn, topicKeyArn: auto.topicKeyArn } } : {}),
        },
        opts,
    );

    const recordName = config.ingestion.domainName.toLowerCase().replace(/\.$/, "");
    const trafficShift = new TrafficShiftWorkflow(
        "traffic-shift",
        {
            accountId: account.accountId,
            region: account.region,
            hostedZoneId: config.ingestion.hostedZoneId,
            recordNames: [recordName],
            logRetentionDays,
            alarms,
        },
        opts,
    );

    return {
        replay,
        reshard,
        trafficShift,
        outputs: {
            replay: {
                stateMachineArn: replay.stateMachine.arn,
                retentionHours: args.stream.retentionHours,
                lakeAvailable: args.lake !== undefined,
                ...(args.lake?.retentionDays !== undefined ? { lakeRetentionDays: args.lake.retentionDays } : {}),
            },
            reshard: { stateMachineArn: reshard.stateMachine.arn, streamName: args.stream.streamName, ledgerParameter: reshard.ledger.name, automatic },
            trafficShift: { stateMachineArn: trafficShift.stateMachine.arn, hostedZoneId: config.ingestion.hostedZoneId, recordName },
        },
    };
}
