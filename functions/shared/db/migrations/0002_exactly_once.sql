-- Exactly once whatever the order, the content or the replay (docs/analytics.md
-- "Counting semantics"): identity is (source, eventId) with a content
-- fingerprint; booking state is recomputed from every booking and cancellation
-- event of a booking id, so it converges whatever order they arrive in.

-- Identity: (source, eventId) and the fingerprint of the content first counted.
-- Rows recorded before this migration have source '' (they expire with the retention).
ALTER TABLE processed_events ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE processed_events ADD COLUMN fingerprint text NOT NULL DEFAULT '';
ALTER TABLE processed_events DROP CONSTRAINT processed_events_pkey;
ALTER TABLE processed_events ADD PRIMARY KEY (source, event_id);
CREATE INDEX processed_events_occurred_at ON processed_events (occurred_at);

-- The same identity with another fingerprint: counted here, never counted twice, never dropped silently.
CREATE TABLE identity_conflicts (
    source text NOT NULL,
    event_id text NOT NULL,
    fingerprint text NOT NULL,
    counted_fingerprint text NOT NULL,
    event_type text NOT NULL,
    payload text NOT NULL,
    attempts integer NOT NULL DEFAULT 1,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id, fingerprint)
);

-- Every booking and cancellation event counted (kept: booking state is a function of them).
CREATE TABLE booking_events (
    source text NOT NULL,
    event_id text NOT NULL,
    booking_id text NOT NULL,
    carrier text NOT NULL,
    flight_number text NOT NULL,
    departure_date date NOT NULL,
    origin text NOT NULL,
    destination text NOT NULL,
    seats integer NOT NULL CHECK (seats > 0),
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX booking_events_booking ON booking_events (booking_id);

CREATE TABLE cancellation_events (
    source text NOT NULL,
    event_id text NOT NULL,
    booking_id text NOT NULL,
    carrier text NOT NULL,
    flight_number text NOT NULL,
    departure_date date NOT NULL,
    seats integer NOT NULL CHECK (seats > 0),
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX cancellation_events_booking ON cancellation_events (booking_id);

-- The booking row is the current state: the latest booking event (by occurredAt, then
-- source and eventId) and what its applicable cancellations removed.
ALTER TABLE bookings ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN versions integer NOT NULL DEFAULT 1;
ALTER TABLE bookings ADD COLUMN cancellations integer NOT NULL DEFAULT 0;
ALTER TABLE bookings ADD COLUMN flight_mismatches integer NOT NULL DEFAULT 0;
-- Bookings counted before this migration become their first version; what was cancelled
-- of them one cancellation at the booking's time (so later events recompute from them).
INSERT INTO booking_events (source, event_id, booking_id, carrier, flight_number, departure_date, origin, destination, seats, occurred_at)
SELECT '', event_id, booking_id, carrier, flight_number, departure_date, origin, destination, seats, booked_at FROM bookings;
INSERT INTO cancellation_events (source, event_id, booking_id, carrier, flight_number, departure_date, seats, occurred_at)
SELECT '', 'migrated:' || booking_id, booking_id, carrier, flight_number, departure_date, seats_cancelled, booked_at FROM bookings WHERE seats_cancelled > 0;
UPDATE bookings SET cancellations = 1 WHERE seats_cancelled > 0;

-- Parked cancellations: their booking id was not booked yet. Applied (and removed from
-- here) as soon as the booking arrives.
ALTER TABLE unmatched_cancellations ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE unmatched_cancellations DROP CONSTRAINT unmatched_cancellations_pkey;
ALTER TABLE unmatched_cancellations ADD PRIMARY KEY (source, event_id);

-- Cancellations that name another flight than their booking's: applied to the booking's
-- flight, recorded here for review.
CREATE TABLE cancellation_mismatches (
    source text NOT NULL,
    event_id text NOT NULL,
    booking_id text NOT NULL,
    named_carrier text NOT NULL,
    named_flight_number text NOT NULL,
    named_departure_date date NOT NULL,
    booking_carrier text NOT NULL,
    booking_flight_number text NOT NULL,
    booking_departure_date date NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
CREATE INDEX cancellation_mismatches_booking ON cancellation_mismatches (booking_id);

-- Deals and rejected events carry the identity too.
ALTER TABLE offer_deals ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE offer_deals DROP CONSTRAINT offer_deals_pkey;
ALTER TABLE offer_deals ADD PRIMARY KEY (source, event_id);

-- A record may hold several events; one the store rejects is kept by its position in the record.
ALTER TABLE rejected_events ADD COLUMN event_index integer NOT NULL DEFAULT 0;
ALTER TABLE rejected_events ADD COLUMN source text;
ALTER TABLE rejected_events ADD COLUMN event_id text;
ALTER TABLE rejected_events DROP CONSTRAINT rejected_events_pkey;
ALTER TABLE rejected_events ADD PRIMARY KEY (sequence_number, sub_sequence, event_index);
