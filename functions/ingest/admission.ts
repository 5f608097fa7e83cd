/**
 * Admission control for POST /v1/events (pure; no I/O, no timers).
 *
 * A request holds one of two kinds of slot:
 * - reading: its body is still arriving. Bounded in total (`maxReading`) and
 *   per source (`maxReadingPerSource`, the key's source), so one sender's slow
 *   bodies can fill only its own share; the server's body-read deadline frees
 *   the slot of a body that does not arrive in time (408).
 * - waiting: its body is in and it waits for Kinesis (`maxWaiting`).
 * A request is admitted (before its body is read) only when both a reading slot
 * and a waiting slot are free; when its body is complete it moves from reading
 * to waiting. Memory stays below about (maxReading + maxWaiting) x maxBodyBytes.
 */

export interface AdmissionLimits {
    /** Requests whose body is being read, all sources together. @default 512 */
    readonly maxReading?: number;
    /** Requests whose body is being read, per source. @default 64 */
    readonly maxReadingPerSource?: number;
    /** Requests waiting for Kinesis (body read). @default 256 */
    readonly maxWaiting?: number;
}

export type Refusal = { readonly limit: "reading" | "readingPerSource" | "waiting"; readonly message: string };

/** One admitted request: move it to waiting once its body is in, release it when it ends (idempotent). */
export interface Ticket {
    bodyRead(): void;
    release(): void;
    readonly phase: "reading" | "waiting" | "done";
}

function checkLimit(name: string, value: number): number {
    if (!Number.isInteger(value) || value < 1 || value > 100000) {
        throw new RangeError(`\`${name}\` must be an integer from 1 to 100000; received ${String(value)}`);
    }
    return value;
}

export class Admission {
    readonly maxReading: number;
    readonly maxReadingPerSource: number;
    readonly maxWaiting: number;
    private readingTotal = 0;
    private waitingTotal = 0;
    private readonly readingBySource = new Map<string, number>();

    constructor(limits: AdmissionLimits = {}) {
        this.maxReading = checkLimit("maxReadingRequests", limits.maxReading ?? 512);
        this.maxReadingPerSource = checkLimit("maxReadingPerSource", limits.maxReadingPerSource ?? 64);
        this.maxWaiting = checkLimit("maxInflightRequests", limits.maxWaiting ?? 256);
    }

    get reading(): number {
        return this.readingTotal;
    }

    get waiting(): number {
        return this.waitingTotal;
    }

    readingFor(source: string): number {
        return this.readingBySource.get(source) ?? 0;
    }

    /** Admits a request of `source`, or says which limit refused it (the message names only the sender's own numbers). */
    admit(source: string): Ticket | Refusal {
        if (this.waitingTotal >= this.maxWaiting) {
            return { limit: "waiting", message: `too many requests in flight (${this.maxWaiting}); retry after 1 s` };
        }
        const mine = this.readingFor(source);
        if (mine >= this.maxReadingPerSource) {
            return {
                limit: "readingPerSource",
                message: `too many request bodies of source ${JSON.stringify(source)} are still arriving (${this.maxReadingPerSource} at once); finish or close them, retry after 1 s`,
            };
        }
        if (this.readingTotal >= this.maxReading) {
            return { limit: "reading", message: `too many request bodies are arriving at once (${this.maxReading}); retry after 1 s` };
        }
        this.readingTotal++;
        this.readingBySource.set(source, mine + 1);
        return new AdmissionTicket(this, source);
    }

    /** @internal (AdmissionTicket) A request of `source` stopped reading its body. */
    leaveReading(source: string, toWaiting: boolean): void {
        this.readingTotal--;
        const left = this.readingFor(source) - 1;
        if (left <= 0) this.readingBySource.delete(source);
        else this.readingBySource.set(source, left);
        if (toWaiting) this.waitingTotal++;
    }

    /** @internal (AdmissionTicket) A waiting request ended. */
    leaveWaiting(): void {
        this.waitingTotal--;
    }
}

/** One admitted request's slot (a class: no closures per request; `release` is bound, for event listeners). */
class AdmissionTicket implements Ticket {
    phase: Ticket["phase"] = "reading";

    constructor(
        private readonly admission: Admission,
        private readonly source: string,
    ) {}

    bodyRead(): void {
        if (this.phase !== "reading") return;
        this.admission.leaveReading(this.source, true);
        this.phase = "waiting";
    }

    readonly release = (): void => {
        if (this.phase === "reading") this.admission.leaveReading(this.source, false);
        else if (this.phase === "waiting") this.admission.leaveWaiting();
        this.phase = "done";
    };
}

export function isRefusal(x: Ticket | Refusal): x is Refusal {
    return (x as Refusal).limit !== undefined;
}
