/**
 * The auto-reshard starter's AWS side: CloudWatch GetMetricData for the load,
 * Step Functions for the workflow, SNS for on-call, from the Lambda's env
 * (WORKFLOW=reshard-auto). Endpoints from env like the other tasks.
 *
 *   STREAM_NAME, RESHARD_LEDGER_PARAMETER, RESHARD_STATE_MACHINE_ARN
 *   ONCALL_TICKET_TOPIC_ARN, ONCALL_PAGE_TOPIC_ARN
 *   AUTO_RESHARD_ALARM_SHARE, AUTO_RESHARD_TARGET_UTILIZATION, AUTO_RESHARD_HEADROOM,
 *   AUTO_RESHARD_RESERVE_CALLS, AUTO_RESHARD_LOOKBACK_MINUTES, MAX_SHARDS, PLANNER_MEASURED_FIGURES
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { AutoReshardDeps, LoadSource, Notifier, WorkflowStarter } from "./auto-reshard";
import { plannerFigures } from "./config";
import { SsmLedger } from "./ledger";

type Env = Record<string, string | undefined>;

/** Peak minute of AWS/Kinesis IncomingBytes and IncomingRecords (Sum, 60 s), the capacity alarms' metrics. */
export function cloudWatchLoad(cw: CloudWatchClient): LoadSource {
    return {
        async peakMinute(streamName, minutes, now) {
            const q = (id: string, metricName: string) => ({
                Id: id,
                MetricStat: { Metric: { Namespace: "AWS/Kinesis", MetricName: metricName, Dimensions: [{ Name: "StreamName", Value: streamName }] }, Period: 60, Stat: "Sum" },
                ReturnData: true,
            });
            const res = await cw.send(
                new GetMetricDataCommand({
                    StartTime: new Date(now.getTime() - minutes * 60_000),
                    EndTime: now,
                    MetricDataQueries: [q("bytes", "IncomingBytes"), q("records", "IncomingRecords")],
                }),
            );
            const peak = (id: string) => Math.max(0, ...((res.MetricDataResults ?? []).find((r) => r.Id === id)?.Values ?? []));
            return { bytesPerMinute: peak("bytes"), recordsPerMinute: peak("records") };
        },
    };
}

export function sfnStarter(sfn: SFNClient, stateMachineArn: string): WorkflowStarter {
    return {
        async running() {
            const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING", maxResults: 1 }));
            return (res.executions ?? []).length > 0;
        },
        async start(name, input) {
            const res = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
            return res.executionArn!;
        },
    };
}

export function snsNotifier(sns: SNSClient, topics: { ticket: string; page: string }): Notifier {
    return {
        async notify(severity, subject, message) {
            await sns.send(new PublishCommand({ TopicArn: topics[severity], Subject: subject.slice(0, 99), Message: message }));
        },
    };
}

function required(env: Env, key: string): string {
    const v = env[key];
    if (!v) throw new Error(`environment variable ${key} must be set for the auto-reshard starter.`);
    return v;
}

function optionalNumber(env: Env, key: string): number | undefined {
    const v = env[key];
    if (v === undefined || v === "") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`environment variable ${key} must be a number (received ${JSON.stringify(v)}).`);
    return n;
}

export function autoReshardDepsFromEnv(env: Env = process.env): AutoReshardDeps {
    const region = env.AWS_REGION ?? "us-east-1";
    const base = { region, maxAttempts: 5 };
    const streamName = required(env, "STREAM_NAME");
    return {
        settings: {
            streamName,
            alarmShare: optionalNumber(env, "AUTO_RESHARD_ALARM_SHARE"),
            targetUtilization: optionalNumber(env, "AUTO_RESHARD_TARGET_UTILIZATION"),
            headroom: optionalNumber(env, "AUTO_RESHARD_HEADROOM"),
            reserveCalls: optionalNumber(env, "AUTO_RESHARD_RESERVE_CALLS"),
            lookbackMinutes: optionalNumber(env, "AUTO_RESHARD_LOOKBACK_MINUTES"),
            maxShards: optionalNumber(env, "MAX_SHARDS"),
            plannerFigures: plannerFigures(env),
        },
        kinesis: new KinesisClient({ ...base, ...(env.KINESIS_ENDPOINT ? { endpoint: env.KINESIS_ENDPOINT, requestHandler: new NodeHttpHandler() } : {}) }),
        ledger: new SsmLedger(new SSMClient({ ...base, ...(env.SSM_ENDPOINT ? { endpoint: env.SSM_ENDPOINT } : {}) }), required(env, "RESHARD_LEDGER_PARAMETER"), streamName),
        load: cloudWatchLoad(new CloudWatchClient(base)),
        starter: sfnStarter(new SFNClient(base), required(env, "RESHARD_STATE_MACHINE_ARN")),
        notifier: snsNotifier(new SNSClient(base), { ticket: required(env, "ONCALL_TICKET_TOPIC_ARN"), page: required(env, "ONCALL_PAGE_TOPIC_ARN") }),
    };
}
