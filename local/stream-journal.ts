/**
 * Closes kinesis-local's persistence gap (it writes its whole state to
 * `kinesis-data.json` once per interval, in place, so a crash loses the last
 * interval): the ingestion service's Kinesis client journals every record
 * Kinesis acknowledged (shard, sequence number, partition key, data) to an
 * append-only file and fsyncs it BEFORE the response reaches the producer, so
 * a 202 means the record is on disk here. The consumers' client (both event
 * source mappings) holds every GetRecords answer until the puts that were in
 * flight have been journaled, so nothing is processed that a crash could take
 * back without the journal knowing it.
 *
 * After kinesis-local restarts (its own crash, or the whole platform's),
 * `reconcile` compares the journal with what the emulator restored: journaled
 * records past a shard's restored end are put again, in their order, and the
 * mappings' checkpoints that point past the restored end are moved to the
 * re-put copy of the last record they had processed (so nothing is processed
 * twice and nothing is skipped, whatever sequence numbers the emulator hands
 * out now). While the stream is down or reconciling, the journaled client
 * refuses puts at once (`StreamUnavailable`), which the producer answers as 503.
 */
import * as fs from "fs";
import * as path from "path";
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand, type PutRecordsCommandInput, type PutRecordsCommandOutput } from "@aws-sdk/client-kinesis";
import { listShards } from "./emulators/kinesis";

export interface JournalEntry {
    /** Shard the record landed on. */
    s: string;
    /** Sequence number Kinesis gave it. */
    q: string;
    /** Partition key. */
    k: string;
    /** Data, base64. */
    d: string;
    /** Explicit hash key, if the put had one. */
    h?: string;
    /** Acknowledged at (ms). */
    t: number;
}

/** What `reconcile` did. */
export interface ReconcileReport {
    /** Journaled records that were missing from the restored stream and were put again. */
    reput: number;
    /** Checkpoints moved: `<file>#<shard>: <from> -> <to | TRIM_HORIZON>`. */
    movedCheckpoints: string[];
}

/** Thrown by the journaled client while the stream is down or being reconciled. */
export class StreamUnavailable extends Error {
    override readonly name = "StreamUnavailable";
}

const seqLess = (a: string, b: string) => BigInt(a) < BigInt(b);

export class StreamJournal {
    private fd: number;
    private readonly inFlight = new Set<Promise<unknown>>();
    private unavailable: string | undefined;

    /**
     * @param file the journal (JSON lines), created if missing
     * @param retentionMs entries older than this are dropped when the journal is rewritten (the stream's retention)
     */
    constructor(
        readonly file: string,
        private readonly retentionMs = 24 * 3600 * 1000,
    ) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        this.fd = fs.openSync(file, "a");
    }

    /** Why puts are refused now, if they are. */
    get unavailableReason(): string | undefined {
        return this.unavailable;
    }

    /** Refuses puts (the stream is down) until `open()`. */
    close(reason: string): void {
        this.unavailable = reason;
    }

    open(): void {
        this.unavailable = undefined;
    }

    /** Every entry on disk, in append order (a torn last line from a crash is ignored). */
    entries(): JournalEntry[] {
        const text = fs.readFileSync(this.file, "utf8");
        const out: JournalEntry[] = [];
        for (const line of text.split("\n")) {
            if (line === "") continue;
            try {
                out.push(JSON.parse(line) as JournalEntry);
            } catch {
                // a line cut by a crash: its put was never acknowledged (the fsync did not return)
            }
        }
        return out;
    }

    private append(entries: JournalEntry[]): void {
        if (entries.length === 0) return;
        fs.writeSync(this.fd, entries.map((e) => JSON.stringify(e) + "\n").join(""));
        fs.fsyncSync(this.fd);
    }

    /** Resolves once every put in flight now has been journaled (or failed). */
    async barrier(): Promise<void> {
        if (this.inFlight.size === 0) return;
        await Promise.allSettled([...this.inFlight]);
    }

    /** Journals the acknowledged entries of one PutRecords call. */
    record(input: PutRecordsCommandInput, output: PutRecordsCommandOutput): void {
        const now = Date.now();
        const entries: JournalEntry[] = [];
        (output.Records ?? []).forEach((r, i) => {
            const req = input.Records?.[i];
            if (!req || r.ErrorCode || !r.SequenceNumber || !r.ShardId) return;
            entries.push({
                s: r.ShardId,
                q: r.SequenceNumber,
                k: req.PartitionKey!,
                d: Buffer.from(req.Data ?? new Uint8Array()).toString("base64"),
                ...(req.ExplicitHashKey ? { h: req.ExplicitHashKey } : {}),
                t: now,
            });
        });
        this.append(entries);
    }

    /** Adds the journal to a client the producer uses (PutRecords journaled before it resolves; refused while down). */
    attachToProducerClient(client: KinesisClient): void {
        client.middlewareStack.add(
            (next, context) => async (args) => {
                if (context.commandName !== "PutRecordsCommand") return next(args);
                if (this.unavailable !== undefined) throw new StreamUnavailable(`the stream is unavailable: ${this.unavailable}`);
                const run = (async () => {
                    const result = await next(args);
                    this.record(args.input as PutRecordsCommandInput, result.output as PutRecordsCommandOutput);
                    return result;
                })();
                this.inFlight.add(run);
                try {
                    return await run;
                } finally {
                    this.inFlight.delete(run);
                }
            },
            { step: "initialize", name: "localStreamJournal" },
        );
    }

    /** Makes a consumers' client hold GetRecords answers until the puts in flight are journaled. */
    attachToConsumerClient(client: KinesisClient): void {
        client.middlewareStack.add(
            (next, context) => async (args) => {
                const result = await next(args);
                if (context.commandName === "GetRecordsCommand") await this.barrier();
                return result;
            },
            { step: "initialize", name: "localStreamJournalBarrier" },
        );
    }

    /**
     * Run with puts refused and the mappings stopped, right after kinesis-local
     * (re)started: re-puts journaled records the emulator did not restore and
     * moves checkpoints (files in `checkpointDir`) that point past the restored end.
     */
    async reconcile(client: KinesisClient, streamName: string, checkpointDir: string, log: (line: string) => void): Promise<ReconcileReport> {
        const entries = this.entries();
        const report: ReconcileReport = { reput: 0, movedCheckpoints: [] };
        // What the emulator restored: the last sequence number of every shard.
        const restoredEnd = new Map<string, string | undefined>();
        for (const shard of await listShards(client, streamName)) restoredEnd.set(shard.ShardId!, await lastSequenceNumber(client, streamName, shard.ShardId!));
        const lost = entries.filter((e) => {
            const end = restoredEnd.get(e.s);
            return end === undefined || seqLess(end, e.q);
        });
        // old sequence number -> new one, per shard of the original record
        const moved = new Map<string, { old: string; now: string; shard: string }[]>();
        const lostSet = new Set(lost);
        const kept = entries.filter((e) => !lostSet.has(e));
        const reput: JournalEntry[] = [];
        for (let i = 0; i < lost.length; i += 500) {
            const chunk = lost.slice(i, i + 500);
            const res = await client.send(
                new PutRecordsCommand({
                    StreamName: streamName,
                    Records: chunk.map((e) => ({ Data: Buffer.from(e.d, "base64"), PartitionKey: e.k, ...(e.h ? { ExplicitHashKey: e.h } : {}) })),
                }),
            );
            const failed = (res.Records ?? []).findIndex((r) => r.ErrorCode);
            if (failed >= 0 || (res.Records ?? []).length !== chunk.length) {
                throw new Error(`re-putting journaled records failed (${res.Records?.[failed]?.ErrorCode ?? "short answer"}: ${res.Records?.[failed]?.ErrorMessage ?? ""}); the journal is kept, the next start retries`);
            }
            res.Records!.forEach((r, j) => {
                const e = chunk[j];
                reput.push({ ...e, s: r.ShardId!, q: r.SequenceNumber! });
                const list = moved.get(e.s) ?? [];
                list.push({ old: e.q, now: r.SequenceNumber!, shard: r.ShardId! });
                moved.set(e.s, list);
            });
        }
        report.reput = reput.length;
        // Checkpoints past the restored end of their shard.
        if (fs.existsSync(checkpointDir)) {
            for (const name of fs.readdirSync(checkpointDir).filter((f) => f.startsWith(`${streamName}.`) && f.endsWith(".checkpoints.json"))) {
                const file = path.join(checkpointDir, name);
                const data = JSON.parse(fs.readFileSync(file, "utf8")) as { shards: Record<string, { sequenceNumber?: string; closed?: boolean }> };
                let changed = false;
                for (const [shard, cp] of Object.entries(data.shards)) {
                    if (cp.sequenceNumber === undefined || !restoredEnd.has(shard)) continue;
                    const end = restoredEnd.get(shard);
                    if (end !== undefined && !seqLess(end, cp.sequenceNumber)) continue;
                    // The mapping had processed records the emulator lost; their re-put copies up to the checkpoint are done.
                    const done = (moved.get(shard) ?? []).filter((m) => !seqLess(cp.sequenceNumber!, m.old) && m.shard === shard);
                    const to = done.length > 0 ? done[done.length - 1].now : end;
                    report.movedCheckpoints.push(`${name}#${shard}: ${cp.sequenceNumber} -> ${to ?? "TRIM_HORIZON"}`);
                    if (to === undefined) delete cp.sequenceNumber;
                    else cp.sequenceNumber = to;
                    changed = true;
                }
                if (changed) {
                    const tmp = `${file}.${process.pid}.tmp`;
                    fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
                    fs.renameSync(tmp, file);
                }
            }
        }
        // Rewrite the journal: what is kept (within retention) plus the re-put copies with their new numbers.
        const cutoff = Date.now() - this.retentionMs;
        this.rewrite([...kept, ...reput].filter((e) => e.t >= cutoff));
        if (report.reput > 0 || report.movedCheckpoints.length > 0) {
            log(
                `stream journal: kinesis-local had lost ${report.reput} acknowledged record(s); put them again${report.movedCheckpoints.length > 0 ? `; checkpoints past the restored stream moved: ${report.movedCheckpoints.join("; ")}` : ""}`,
            );
        }
        return report;
    }

    private rewrite(entries: JournalEntry[]): void {
        const tmp = `${this.file}.tmp`;
        fs.writeFileSync(tmp, entries.map((e) => JSON.stringify(e) + "\n").join(""));
        const fd = fs.openSync(tmp, "r+");
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.closeSync(this.fd);
        fs.renameSync(tmp, this.file);
        this.fd = fs.openSync(this.file, "a");
    }

    dispose(): void {
        try {
            fs.closeSync(this.fd);
        } catch {
            // already closed
        }
    }
}

/** The last sequence number of a shard (reads it to its current end), or undefined when it is empty. */
async function lastSequenceNumber(client: KinesisClient, streamName: string, shardId: string): Promise<string | undefined> {
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    let last: string | undefined;
    while (iterator) {
        const res = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
        const records = res.Records ?? [];
        if (records.length === 0) break;
        last = records[records.length - 1].SequenceNumber;
        iterator = res.NextShardIterator;
    }
    return last;
}
