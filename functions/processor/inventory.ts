/**
 * Pure inventory arithmetic: seat deltas per flight from new bookings and
 * applied cancellations (a cancellation removes min(requested, still booked)
 * seats, decided in SQL under a row lock: sql.ts APPLY_CANCELLATIONS). The
 * database applies deltas with GREATEST(0, ...), so seats sold never go below zero.
 */

export interface FlightKey {
    readonly carrier: string;
    readonly number: string;
    readonly departureDate: string;
}

export interface InventoryDelta extends FlightKey {
    readonly seatsDelta: number;
    readonly bookings: number;
    readonly cancellations: number;
}

export type InventoryChange =
    | (FlightKey & { readonly kind: "booking"; readonly seats: number })
    | (FlightKey & { readonly kind: "cancellation"; readonly seatsRemoved: number });

/** Sums changes per flight, sorted by carrier, number, date (stable lock order). */
export function aggregateInventory(changes: readonly InventoryChange[]): InventoryDelta[] {
    const byFlight = new Map<string, { -readonly [K in keyof InventoryDelta]: InventoryDelta[K] }>();
    for (const c of changes) {
        const key = `${c.carrier}|${c.number}|${c.departureDate}`;
        let d = byFlight.get(key);
        if (!d) {
            d = { carrier: c.carrier, number: c.number, departureDate: c.departureDate, seatsDelta: 0, bookings: 0, cancellations: 0 };
            byFlight.set(key, d);
        }
        if (c.kind === "booking") {
            d.seatsDelta += c.seats;
            d.bookings++;
        } else {
            d.seatsDelta -= c.seatsRemoved;
            d.cancellations++;
        }
    }
    return [...byFlight.values()].sort((a, b) => `${a.carrier}|${a.number}|${a.departureDate}`.localeCompare(`${b.carrier}|${b.number}|${b.departureDate}`));
}
