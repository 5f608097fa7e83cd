/** The two booked flights of the lake tests (ZRH-LIS on 1 December, GVA-JFK on 3 December). */
const LX2084 = { carrier: "LX", number: "2084", departureDate: "2026-12-01", origin: "ZRH", destination: "LIS" };
const LX22 = { carrier: "LX", number: "22", departureDate: "2026-12-03", origin: "GVA", destination: "JFK" };

/** Known events for the lake tests (valid envelope v1). */
export const EVENTS = [
    { eventId: "s1", type: "search", occurredAt: "2026-11-20T08:10:00Z", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", passengers: 1, cabin: "economy" },
    { eventId: "s2", type: "search", occurredAt: "2026-11-20T09:00:00+01:00", source: "app", origin: "ZRH", destination: "LIS", departureDate: "2026-12-02", passengers: 2, cabin: "economy" },
    // Same eventId twice (an at-least-once redelivery): counted once.
    { eventId: "s2", type: "search", occurredAt: "2026-11-20T09:00:00+01:00", source: "app", origin: "ZRH", destination: "LIS", departureDate: "2026-12-02", passengers: 2, cabin: "economy" },
    { eventId: "s3", type: "search", occurredAt: "2026-11-20T23:30:00Z", source: "web", origin: "GVA", destination: "JFK", departureDate: "2026-12-03", passengers: 1, cabin: "business" },
    // 00:30+02:00 on the 21st is 22:30Z on the 20th.
    { eventId: "s4", type: "search", occurredAt: "2026-11-21T00:30:00+02:00", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-03", passengers: 1, cabin: "first" },
    { eventId: "s5", type: "search", occurredAt: "2026-11-21T01:00:00Z", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-03", passengers: 1, cabin: "economy" },
    { eventId: "o1", type: "offer", occurredAt: "2026-11-20T08:11:00Z", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", carrier: "LX", price: { amount: 100, currency: "CHF" } },
    { eventId: "o2", type: "offer", occurredAt: "2026-11-20T08:12:00Z", source: "web", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", carrier: "TP", price: { amount: 300, currency: "CHF" } },
    { eventId: "o3", type: "offer", occurredAt: "2026-11-20T08:13:00Z", source: "app", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", carrier: "LX", price: { amount: 200, currency: "CHF" } },
    { eventId: "o4", type: "offer", occurredAt: "2026-11-20T08:14:00Z", source: "app", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", carrier: "LX", price: { amount: 50.5, currency: "EUR" } },
    { eventId: "o5", type: "offer", occurredAt: "2026-11-21T08:14:00Z", source: "app", origin: "ZRH", destination: "LIS", departureDate: "2026-12-01", carrier: "LX", price: { amount: 999, currency: "CHF" } },
    { eventId: "b1", type: "booking", occurredAt: "2026-11-20T10:00:00Z", source: "web", bookingId: "PNR1", flight: LX2084, seats: 2, fare: { amount: 400, currency: "CHF" } },
    { eventId: "b2", type: "booking", occurredAt: "2026-11-20T11:00:00Z", source: "web", bookingId: "PNR2", flight: LX22, seats: 1, fare: { amount: 900, currency: "CHF" } },
    // c1 releases b1's seats on the same flight.
    { eventId: "c1", type: "cancellation", occurredAt: "2026-11-20T12:00:00Z", source: "agent/zrh 1", bookingId: "PNR1", flight: LX2084, seats: 2 },
];
