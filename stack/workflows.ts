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
import { KinesisStreamRef, LakeBucketRef } from "@flightstream/components/common/grants";
import { AutoReshardArgs, ReplayWorkflow, ReshardWorkflow, TrafficShiftWorkflow } from "@flightstream/components/workflows";
import { StackConfig } from "./config";
import { measuredFigures } from "../functions/shared/capacity";
import benchResults from "../bench/results.json";
import { PlatformStackExports } from "@flightstream/components/platform/outputs";

export interface DeployWorkflowsArgs {
    readonly config: StackConfig;
    /** The ingestion account's provider. */
    readonly provider: aws.Provider;
    /** The stream replayed and resharded (`KinesisStream.ref`). */
    readonly stream: KinesisStreamRef;
    /** The stream's retention in hours (older ranges are replayed from the lake). */
    readonly retentionHours: number;
    /** The stream processor Lambda (replay target "analytics"). */
    readonly processorFunctionArn: pulumi.Input<string>;
    /** The lake (replay beyond retention; a reference with its `bucketName`). @default - none */
    readonly lake?: LakeBucketRef;
    /** How far back the lake keeps data. @default - forever */
    readonly lakeRetentionDays?: number;
    /** On-call routing of the ingestion account. */
    readonly alarmRouting?: AlarmRouting;
    /**
     * What the automatic reshard needs (used when `stream.autoReshard` is on and the stream is provisioned):
     * the stream's capacity alarms and the ingestion account's on-call (told of every start, paged when the budget stops one). @default - manual reshards only
     */
    readonly autoReshard?: {
        readonly capacityAlarmNames: pulumi.Input<string>[];
        readonly onCall: AutoReshardArgs["onCall"];
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
            stream: args.stream,
            retentionHours: args.retentionHours,
            processorFunctionArn: args.processorFunctionArn,
            lake: args.lake,
            lakeRetentionDays: args.lakeRetentionDays,
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
            stream: args.stream,
            // The same measured figures `shards: auto` is sized with (stack/stream.ts).
            plannerFigures: measuredFigures(benchResults),
            logRetentionDays,
            alarms,
            ...(automatic ? { automatic: { alarmNames: auto.capacityAlarmNames, onCall: auto.onCall } } : {}),
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
                retentionHours: args.retentionHours,
                lakeAvailable: args.lake !== undefined,
                ...(args.lakeRetentionDays !== undefined ? { lakeRetentionDays: args.lakeRetentionDays } : {}),
            },
            reshard: { stateMachineArn: reshard.stateMachine.arn, streamName: args.stream.streamName!, ledgerParameter: reshard.ledger.name, automatic },
            trafficShift: { stateMachineArn: trafficShift.stateMachine.arn, hostedZoneId: config.ingestion.hostedZoneId, recordName },
        },
    };
}
