/**
 * Booking state as a pure function of the SET of booking and cancellation
 * events of one booking id (docs/analytics.md "Counting semantics"), so it is
 * the same whatever order the events arrive in, on however many shards:
 *
 * - The booking's current version is its latest booking event by occurredAt
 *   (ties: eventId, then source). A booking event on another flight, or with
 *   other seats, is a rebooking: the seats move to the current version.
 * - A cancellation applies to the booking's current flight, whatever flight it
 *   names (a different one is recorded as a mismatch). It applies to the
 *   current version when it occurred at or after it, or when the booking has
 *   only one version; older ones were superseded by the rebooking.
 * - Seats cancelled = min(current seats, sum of the applicable cancellations'
 *   seats); seats held = current seats - seats cancelled.
 * - With no booking event yet, cancellations are parked and hold nothing.
 *
 * Inventory is the sum of the contributions of every booking; the writer
 * applies new - old contribution under a per-booking lock.
 */

export interface FlightKey {
    readonly carrier: string;
    readonly number: string;
    readonly departureDate: string;
}

export interface BookingVersion extends FlightKey {
    readonly source: string;
    readonly eventId: string;
    readonly bookingId: string;
    readonly origin: string;
    readonly destination: string;
    readonly seats: number;
    /** occurredAt as microseconds since the epoch (exact order, as PostgreSQL stores it). */
    readonly atUs: number;
}

export interface CancellationFact extends FlightKey {
    readonly source: string;
    readonly eventId: string;
    readonly bookingId: string;
    readonly seats: number;
    readonly atUs: number;
}

export interface BookingState {
    readonly bookingId: string;
    readonly current: BookingVersion;
    readonly versions: number;
    readonly seatsCancelled: number;
    readonly seatsHeld: number;
    /** Applicable cancellations (counted against the current version). */
    readonly cancellations: number;
    readonly status: "booked" | "partially_cancelled" | "cancelled";
    /** Applicable cancellations naming another flight than the current version's. */
    readonly mismatches: readonly CancellationFact[];
}

/** What one booking adds to its flight's inventory. */
export interface Contribution extends FlightKey {
    readonly seats: number;
    readonly bookings: number;
    readonly cancellations: number;
}

function order(a: { atUs: number; eventId: string; source: string }, b: { atUs: number; eventId: string; source: string }): number {
    if (a.atUs !== b.atUs) return a.atUs - b.atUs;
    if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
    return a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
}

export function sameFlight(a: FlightKey, b: FlightKey): boolean {
    return a.carrier === b.carrier && a.number === b.number && a.departureDate === b.departureDate;
}

export function flightId(f: FlightKey): string {
    return `${f.carrier}|${f.number}|${f.departureDate}`;
}

/** The state of one booking id from all its events; undefined when it has no booking event (parked). */
export function bookingState(bookingId: string, versions: readonly BookingVersion[], cancellations: readonly CancellationFact[]): BookingState | undefined {
    if (versions.length === 0) return undefined;
    const sorted = [...versions].sort(order);
    const current = sorted[sorted.length - 1];
    const applicable = sorted.length === 1 ? [...cancellations] : cancellations.filter((c) => c.atUs >= current.atUs);
    const requested = applicable.reduce((s, c) => s + c.seats, 0);
    const seatsCancelled = Math.min(current.seats, requested);
    const seatsHeld = current.seats - seatsCancelled;
    return {
        bookingId,
        current,
        versions: sorted.length,
        seatsCancelled,
        seatsHeld,
        cancellations: applicable.length,
        status: seatsHeld === 0 ? "cancelled" : seatsCancelled > 0 ? "partially_cancelled" : "booked",
        mismatches: applicable.filter((c) => !sameFlight(c, current)).sort(order),
    };
}

export function contributionOf(state: BookingState | undefined): Contribution | undefined {
    if (!state) return undefined;
    const { carrier, number, departureDate } = state.current;
    return { carrier, number, departureDate, seats: state.seatsHeld, bookings: 1, cancellations: state.cancellations };
}

export interface InventoryDelta extends FlightKey {
    readonly seatsDelta: number;
    readonly bookings: number;
    readonly cancellations: number;
}

/** Per-flight deltas that turn the old contributions into the new ones, sorted (stable lock order); zero rows dropped. */
export function inventoryDeltas(pairs: readonly { before?: Contribution; after?: Contribution }[]): InventoryDelta[] {
    const by = new Map<string, { -readonly [K in keyof InventoryDelta]: InventoryDelta[K] }>();
    const add = (c: Contribution, sign: 1 | -1) => {
        const k = flightId(c);
        let d = by.get(k);
        if (!d) by.set(k, (d = { carrier: c.carrier, number: c.number, departureDate: c.departureDate, seatsDelta: 0, bookings: 0, cancellations: 0 }));
        d.seatsDelta += sign * c.seats;
        d.bookings += sign * c.bookings;
        d.cancellations += sign * c.cancellations;
    };
    for (const p of pairs) {
        if (p.before) add(p.before, -1);
        if (p.after) add(p.after, 1);
    }
    return [...by.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, d]) => d)
        .filter((d) => d.seatsDelta !== 0 || d.bookings !== 0 || d.cancellations !== 0);
}
