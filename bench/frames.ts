/**
 * Frame compression, measured on the corpus as the producer runs it: each
 * task's flush (prod's per-task flush size from the planner's fleet model)
 * grouped by (type, event hour) into frames, each frame compressed with one
 * candidate codec. Sources spread over 200 (round robin over `site-000` ..
 * `site-199`) and the generator's own 5. CPU per event is measured against
 * the uncompressed path that ran before frames (one JSON user record per
 * event, per-shard KPL aggregation) on the same events and shard count;
 * the frames path is timed as the producer runs it now: each event's bytes
 * taken from the request body (not serialised again), grouped, compressed,
 * spread-aggregated.
 */
import { aggregate, aggregateSpread, encodeFrame, evenShardRanges, resolveFrameOptions, ShardMap, ShardSpreader, type FrameOptions } from "../functions/shared/codec";
import type { FlightEvent } from "../functions/shared/events";
import { eventTimeParts } from "../functions/lake/partitioning";
import { utcHourOf } from "../functions/ingest/producer";

export interface CodecMeasurement {
    readonly name: string;
    readonly options: FrameOptions;
    /** Event JSON bytes over frame bytes (headers included), 200 sources. */
    readonly ratio200Sources: number;
    /** The same with the generator's few sources. */
    readonly ratioFewSources: number;
    /** Compression time per MB of JSON (ms), 200 sources. */
    readonly msPerMB: number;
}

export interface FramesResult {
    readonly events: number;
    readonly flushEvents: number;
    readonly shards: number;
    readonly averageEventsPerFrame200Sources: number;
    readonly codecs: readonly CodecMeasurement[];
    /** The codec the producer uses by default. */
    readonly chosen: string;
    readonly ratio200Sources: number;
    readonly ratioFewSources: number;
    /** The chosen codec's ratio on the offer frames alone (the largest events, 200 sources, same flushes). */
    readonly offerRatio200Sources: number;
    /** Producer CPU per event (µs): today's uncompressed path and frames with the chosen codec, same run. */
    readonly uncompressedMicrosPerEvent: number;
    readonly framesMicrosPerEvent: number;
    /** frames / uncompressed CPU per event (goal <= 1). */
    readonly cpuRatio: number;
    /** Kinesis records per flush with frames (spread) and with per-shard aggregation. */
    readonly recordsPerFlushFrames: number;
    readonly recordsPerFlushUncompressed: number;
}

export const CANDIDATES: readonly { name: string; options: FrameOptions }[] = [
    { name: "gzip level 6", options: { codec: "gzip", level: 6 } },
    { name: "deflate level 6, no dictionary", options: { codec: "deflate", dictionaryVersion: 0, level: 6 } },
    { name: "deflate level 6, per-type dictionary v1", options: { codec: "deflate", dictionaryVersion: 1, level: 6 } },
    { name: "deflate level 4, per-type dictionary v1", options: { codec: "deflate", dictionaryVersion: 1, level: 4 } },
    { name: "brotli quality 5", options: { codec: "brotli", level: 5 } },
];

/** The corpus with `source` spread over `n` sources (round robin). */
export function spreadSources(events: readonly FlightEvent[], n: number): FlightEvent[] {
    return events.map((e, i) => ({ ...e, source: `site-${String(i % n).padStart(3, "0")}` }) as FlightEvent);
}

function flushes(events: readonly FlightEvent[], size: number): FlightEvent[][] {
    const out: FlightEvent[][] = [];
    for (let i = 0; i < events.length; i += size) out.push(events.slice(i, i + size));
    return out;
}

/** Frames of one flush: JSON lines grouped by (type, UTC hour), as the producer groups them. */
function frameGroups(flush: readonly FlightEvent[]): { type: string; lines: Buffer[] }[] {
    const groups = new Map<string, { type: string; lines: Buffer[] }>();
    for (const e of flush) {
        const { dt, hour } = eventTimeParts(e.occurredAt);
        const key = `${e.type}|${dt}T${hour}`;
        let g = groups.get(key);
        if (g === undefined) groups.set(key, (g = { type: e.type, lines: [] }));
        g.lines.push(Buffer.from(JSON.stringify(e), "utf8"));
    }
    return [...groups.values()];
}

/** Frames of one flush as the producer groups them now: the events' own bytes, the hour read from occurredAt. */
function producerFrameGroups(flush: readonly FlightEvent[], bytes: readonly Uint8Array[]): { type: string; lines: Uint8Array[] }[] {
    const groups = new Map<string, { type: string; lines: Uint8Array[] }>();
    for (let i = 0; i < flush.length; i++) {
        const e = flush[i];
        const key = `${e.type}|${utcHourOf(e.occurredAt)}`;
        let g = groups.get(key);
        if (g === undefined) groups.set(key, (g = { type: e.type, lines: [] }));
        g.lines.push(bytes[i]);
    }
    return [...groups.values()];
}

function ratioOf(events: readonly FlightEvent[], flushEvents: number, options: FrameOptions, onlyType?: string): { ratio: number; ms: number; bytes: number; frames: number } {
    const o = resolveFrameOptions(options);
    const groups = flushes(events, flushEvents)
        .flatMap(frameGroups)
        .filter((g) => onlyType === undefined || g.type === onlyType);
    let raw = 0;
    let out = 0;
    const t0 = process.hrtime.bigint();
    for (const g of groups) out += encodeFrame(g.type, g.lines, o).length;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    for (const g of groups) raw += g.lines.reduce((n, l) => n + l.length, 0) + g.lines.length - 1;
    return { ratio: raw / out, ms, bytes: raw, frames: groups.length };
}

function cpuMicros(fn: () => void, events: number, minMs: number): number {
    fn();
    let runs = 0;
    const t0 = process.cpuUsage();
    const w0 = Date.now();
    do {
        fn();
        runs++;
    } while (Date.now() - w0 < minMs);
    const u = process.cpuUsage(t0);
    return (u.user + u.system) / (runs * events);
}

export function benchFrames(o: { events: readonly FlightEvent[]; flushEvents: number; shards: number; minMs: number }): FramesResult {
    const many = spreadSources(o.events, 200);
    const codecs = CANDIDATES.map((c) => {
        ratioOf(many, o.flushEvents, c.options); // warm-up: the first pass pays for JIT and zlib setup
        const m = ratioOf(many, o.flushEvents, c.options);
        const f = ratioOf(o.events, o.flushEvents, c.options);
        return { name: c.name, options: c.options, ratio200Sources: m.ratio, ratioFewSources: f.ratio, msPerMB: m.ms / (m.bytes / 1e6) };
    });
    // The producer's default (functions/shared/codec/frames.ts), chosen from these figures: see docs/performance.md.
    const d = resolveFrameOptions({});
    const chosen = codecs.find((c) => {
        const r = resolveFrameOptions(c.options);
        return r.codec === d.codec && r.dictionaryVersion === d.dictionaryVersion && r.level === d.level;
    })!;
    const chosenFrames = ratioOf(many, o.flushEvents, chosen.options).frames;
    const shardMap = new ShardMap(evenShardRanges(o.shards));
    const frameOpts = resolveFrameOptions(chosen.options);
    const batches = flushes(many, o.flushEvents);
    let recordsUncompressed = 0;
    let recordsFrames = 0;
    const uncompressed = () => {
        recordsUncompressed = 0;
        for (const b of batches) {
            const recs = b.map((e) => ({ partitionKey: e.eventId, data: Buffer.from(JSON.stringify(e), "utf8") }));
            recordsUncompressed += aggregate(recs, shardMap, { maxRecordBytes: 65536 }).entries.length;
        }
    };
    const spreader = new ShardSpreader(shardMap, () => 0.5);
    // The frames path as the producer runs it now: each event's bytes come from the request body (the server's
    // parse scan finds them; its cost is in the ingestion section), so nothing is serialised here.
    const bodyBytes = batches.map((b) => b.map((e) => Buffer.from(JSON.stringify(e), "utf8")));
    const framed = () => {
        recordsFrames = 0;
        for (let k = 0; k < batches.length; k++) {
            const frames = producerFrameGroups(batches[k], bodyBytes[k]).map((g) => ({ partitionKey: "f", data: encodeFrame(g.type, g.lines, frameOpts) }));
            recordsFrames += aggregateSpread(frames, spreader, { maxRecordBytes: 65536 }).length;
        }
    };
    const uncompressedMicrosPerEvent = cpuMicros(uncompressed, many.length, o.minMs);
    const framesMicrosPerEvent = cpuMicros(framed, many.length, o.minMs);
    return {
        events: o.events.length,
        flushEvents: o.flushEvents,
        shards: o.shards,
        averageEventsPerFrame200Sources: many.length / chosenFrames,
        codecs,
        chosen: chosen.name,
        ratio200Sources: chosen.ratio200Sources,
        ratioFewSources: chosen.ratioFewSources,
        offerRatio200Sources: ratioOf(many, o.flushEvents, chosen.options, "offer").ratio,
        uncompressedMicrosPerEvent,
        framesMicrosPerEvent,
        cpuRatio: framesMicrosPerEvent / uncompressedMicrosPerEvent,
        recordsPerFlushFrames: recordsFrames / batches.length,
        recordsPerFlushUncompressed: recordsUncompressed / batches.length,
    };
}
