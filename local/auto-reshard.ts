/**
 * The auto-reshard starter (functions/workflows/auto-reshard.ts) on this
 * machine: the same decision and calls, with the load measured from the
 * emulator's own records (the per-minute IncomingBytes / IncomingRecords
 * CloudWatch would report: data + partition key bytes, bucketed by arrival
 * minute), the reshard workflow started on the local Step Functions runner
 * (local/workflows.ts, the deployed ASL) and notifications kept in a list.
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { AutoReshardDeps, AutoReshardSettings, LoadSource, Notifier, WorkflowStarter } from "../functions/workflows/auto-reshard";
import { ReshardLedger } from "../functions/workflows/ledger";
import { listShards } from "./emulators/kinesis";
import { LocalRunResult, runLocalWorkflow } from "./workflows";

/** Per-minute load of a kinesis-local stream, read back from its records (every shard, open and closed). */
export function emulatorLoad(kinesis: KinesisClient): LoadSource {
    return {
        async peakMinute(streamName, minutes, now) {
            const since = now.getTime() - minutes * 60_000;
            const buckets = new Map<number, { bytes: number; records: number }>();
            for (const shard of await listShards(kinesis, streamName)) {
                let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
                while (iterator) {
                    const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
                    for (const r of res.Records ?? []) {
                        const at = r.ApproximateArrivalTimestamp!.getTime();
                        if (at <= since || at > now.getTime()) continue;
                        const minute = Math.floor(at / 60_000);
                        const b = buckets.get(minute) ?? { bytes: 0, records: 0 };
                        b.bytes += (r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? "");
                        b.records += 1;
                        buckets.set(minute, b);
                    }
                    if ((res.Records ?? []).length === 0 || res.MillisBehindLatest === 0) break;
                    iterator = res.NextShardIterator;
                }
            }
            let bytesPerMinute = 0,
                recordsPerMinute = 0;
            for (const b of buckets.values()) {
                bytesPerMinute = Math.max(bytesPerMinute, b.bytes);
                recordsPerMinute = Math.max(recordsPerMinute, b.records);
            }
            return { bytesPerMinute, recordsPerMinute };
        },
    };
}

export interface LocalExecution {
    readonly name: string;
    readonly input: { targetShards: number };
    readonly result: Promise<LocalRunResult>;
}

/** Starts the reshard workflow on the local Step Functions runner (in the background, like StartExecution). */
export function localStarter(kinesis: KinesisClient, ledger: ReshardLedger, streamName: string, opts: { waitMs?: number } = {}): WorkflowStarter & { executions: LocalExecution[] } {
    const executions: LocalExecution[] = [];
    let active = 0;
    return {
        executions,
        async running() {
            return active > 0;
        },
        async start(name, input) {
            if (executions.some((e) => e.name === name)) return `local:${name}`;
            active++;
            const result = runLocalWorkflow("reshard", input, { deps: { settings: { region: "us-east-1", streamName }, kinesis, ledger }, waitMs: opts.waitMs ?? 50 }).finally(() => {
                active--;
            });
            executions.push({ name, input, result });
            return `local:${name}`;
        },
    };
}

export interface LocalNotification {
    readonly severity: "ticket" | "page";
    readonly subject: string;
    readonly message: string;
}

export function listNotifier(into: LocalNotification[], log?: (line: string) => void): Notifier {
    return {
        async notify(severity, subject, message) {
            into.push({ severity, subject, message });
            log?.(`[auto-reshard] ${severity}: ${subject}: ${message}`);
        },
    };
}

/** Everything the starter needs against a kinesis-local stream. */
export function localAutoReshardDeps(kinesis: KinesisClient, ledger: ReshardLedger, settings: AutoReshardSettings, opts: { waitMs?: number; now?: () => Date } = {}) {
    const notifications: LocalNotification[] = [];
    const starter = localStarter(kinesis, ledger, settings.streamName, opts);
    const deps: AutoReshardDeps = { settings, kinesis, ledger, load: emulatorLoad(kinesis), starter, notifier: listNotifier(notifications), ...(opts.now ? { now: opts.now } : {}) };
    return { deps, starter, notifications };
}
