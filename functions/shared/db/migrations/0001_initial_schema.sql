-- Real-time analytics schema (Aurora PostgreSQL, reached only through the RDS Data API).
-- Times are timestamptz in UTC; "minute" columns are event time truncated to the minute.

-- Idempotency: one row per event id ever counted. Kept for at least the stream's
-- replay horizon (PROCESSED_EVENTS_RETENTION_HOURS), then deleted by the processor.
CREATE TABLE processed_events (
    event_id text PRIMARY KEY,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);

-- Demand per route per minute of event time.
CREATE TABLE route_minute_stats (
    route text NOT NULL,
    minute timestamptz NOT NULL,
    origin text NOT NULL,
    destination text NOT NULL,
    searches bigint NOT NULL DEFAULT 0,
    offers bigint NOT NULL DEFAULT 0,
    bookings bigint NOT NULL DEFAULT 0,
    cancellations bigint NOT NULL DEFAULT 0,
    seats_booked bigint NOT NULL DEFAULT 0,
    seats_cancelled bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (route, minute)
);
CREATE INDEX route_minute_stats_minute ON route_minute_stats (minute);

-- Offer price statistics per route, minute and currency (sums allow mean and standard deviation).
CREATE TABLE offer_price_stats (
    route text NOT NULL,
    minute timestamptz NOT NULL,
    currency text NOT NULL,
    offers bigint NOT NULL DEFAULT 0,
    price_sum double precision NOT NULL DEFAULT 0,
    price_sum_sq double precision NOT NULL DEFAULT 0,
    price_min double precision,
    price_max double precision,
    PRIMARY KEY (route, currency, minute)
);

-- Every booking seen once (by bookingId), with what has been cancelled of it.
CREATE TABLE bookings (
    booking_id text PRIMARY KEY,
    event_id text NOT NULL,
    carrier text NOT NULL,
    flight_number text NOT NULL,
    departure_date date NOT NULL,
    origin text NOT NULL,
    destination text NOT NULL,
    seats integer NOT NULL CHECK (seats > 0),
    seats_cancelled integer NOT NULL DEFAULT 0 CHECK (seats_cancelled >= 0 AND seats_cancelled <= seats),
    status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'partially_cancelled', 'cancelled')),
    booked_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Seats sold per flight; never below zero.
CREATE TABLE flight_inventory (
    carrier text NOT NULL,
    flight_number text NOT NULL,
    departure_date date NOT NULL,
    seats_sold integer NOT NULL DEFAULT 0 CHECK (seats_sold >= 0),
    bookings integer NOT NULL DEFAULT 0,
    cancellations integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (carrier, flight_number, departure_date)
);

-- Cancellations whose booking was never seen: kept for review, not applied.
CREATE TABLE unmatched_cancellations (
    event_id text PRIMARY KEY,
    booking_id text NOT NULL,
    carrier text NOT NULL,
    flight_number text NOT NULL,
    departure_date date NOT NULL,
    seats integer NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unmatched_cancellations_booking ON unmatched_cancellations (booking_id);

-- High-demand route alerts: at most one per route per window.
CREATE TABLE alerts (
    alert_id bigserial PRIMARY KEY,
    route text NOT NULL,
    origin text NOT NULL,
    destination text NOT NULL,
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    searches bigint NOT NULL,
    baseline_searches double precision NOT NULL,
    multiplier double precision NOT NULL,
    min_searches bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    CONSTRAINT alerts_one_per_route_window UNIQUE (route, window_start)
);
CREATE INDEX alerts_unpublished ON alerts (created_at) WHERE published_at IS NULL;

-- Offers priced well below their route's recent distribution.
CREATE TABLE offer_deals (
    event_id text PRIMARY KEY,
    route text NOT NULL,
    origin text NOT NULL,
    destination text NOT NULL,
    carrier text NOT NULL,
    departure_date date NOT NULL,
    amount double precision NOT NULL,
    currency text NOT NULL,
    route_mean double precision NOT NULL,
    route_stddev double precision NOT NULL,
    sample_size bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    flagged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offer_deals_route ON offer_deals (route, occurred_at DESC);

-- Records the processor could not decode or validate (poison records), for review.
-- Keyed by Kinesis position, so retries of the same record update one row.
CREATE TABLE rejected_events (
    sequence_number text NOT NULL,
    sub_sequence integer NOT NULL,
    partition_key text NOT NULL,
    reason text NOT NULL,
    errors jsonb NOT NULL,
    payload text NOT NULL,
    payload_truncated boolean NOT NULL DEFAULT false,
    attempts integer NOT NULL DEFAULT 1,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sequence_number, sub_sequence)
);
