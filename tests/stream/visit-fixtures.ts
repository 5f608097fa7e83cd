/**
 * What the strict decoder and the consumers' visitor make of one record's
 * data, in the same shape, for tests that hold them to each other
 * (tests/shared/visit.test.ts, tests/stream/visit-payloads.test.ts).
 */
import { decodeRecord, visitRecordTexts } from "../../functions/shared/codec";

/** What decodeRecord yields, as [sub, frame index, text]; or the error message. */
export function strict(data: Uint8Array): [number, number, string][] | string {
    try {
        return decodeRecord(data, { partitionKey: "pk" }).map((u) => [u.subSequenceNumber, u.frame?.index ?? 0, Buffer.from(u.data).toString("utf8")]);
    } catch (e) {
        return (e as Error).message;
    }
}

/** What visitRecordTexts visits, as [sub, frame index, text]; or the error message. */
export function visited(data: Uint8Array): [number, number, string][] | string {
    const out: [number, number, string][] = [];
    try {
        visitRecordTexts(data, { partitionKey: "pk" }, (text, sub, i) => out.push([sub, i, text]));
        return out;
    } catch (e) {
        return (e as Error).message;
    }
}
