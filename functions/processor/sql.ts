/**
 * Every statement the processor runs (PostgreSQL through the Data API).
 * Sets of rows travel as one JSON parameter (`jsonb_to_recordset`) when the
 * statement must return what it did; plain upserts use BatchExecuteStatement.
 */

/**
 * Claims identities (source, eventId) with their fingerprint; returns only the
 * identities not seen before (the idempotency gate, functions/processor/identity-gate.ts).
 */
export const CLAIM_EVENTS = `INSERT INTO processed_events (source, event_id, event_type, occurred_at, fingerprint)
SELECT e.source, e.event_id, e.event_type, e.occurred_at, e.fingerprint
FROM jsonb_to_recordset(:events::jsonb) AS e(source text, event_id text, event_type text, occurred_at timestamptz, fingerprint text)
ON CONFLICT (source, event_id) DO NOTHING
RETURNING source, event_id`;

/** Fingerprints recorded for identities already claimed (run after CLAIM_EVENTS: a new snapshot sees concurrent claims). */
export const CLAIMED_FINGERPRINTS = `SELECT p.source, p.event_id, p.fingerprint
FROM jsonb_to_recordset(:keys::jsonb) AS k(source text, event_id text)
JOIN processed_events p ON p.source = k.source AND p.event_id = k.event_id`;

/**
 * Claims parts of stream records (shard id, sequence number, part) in the chunk's transaction;
 * returns the parts not claimed before. A part already claimed was counted whole: its events are skipped.
 */
export const CLAIM_RECORD_PARTS = `INSERT INTO stream_record_claims (shard_id, sequence_number, part, events)
SELECT c.shard_id, c.sequence_number, c.part, c.events
FROM jsonb_to_recordset(:claims::jsonb) AS c(shard_id text, sequence_number text, part integer, events integer)
ORDER BY c.shard_id, c.sequence_number, c.part
ON CONFLICT (shard_id, sequence_number, part) DO NOTHING
RETURNING shard_id, sequence_number, part`;

/**
 * Creates the route-minute rows of a chunk's searches and offers that do not exist yet (sorted).
 * With LOCK_ROUTE_MINUTES it serialises chunks counting the same route-minute, so a copy of an
 * event in flight on another shard is seen in identity_digests once the other chunk commits.
 */
export const ENSURE_ROUTE_MINUTES = `INSERT INTO route_minute_stats (route, minute, origin, destination)
SELECT k.route, k.minute, k.origin, k.destination
FROM jsonb_to_recordset(:keys::jsonb) AS k(route text, minute timestamptz, origin text, destination text)
ORDER BY k.route, k.minute
ON CONFLICT (route, minute) DO NOTHING`;

/** Row-locks the chunk's route-minutes in sorted order (tuple locks: no lock-table slots per event). */
export const LOCK_ROUTE_MINUTES = `SELECT s.route FROM route_minute_stats s
JOIN jsonb_to_recordset(:keys::jsonb) AS k(route text, minute timestamptz) ON s.route = k.route AND s.minute = k.minute
ORDER BY s.route, s.minute
FOR UPDATE OF s`;

/** Identities already counted (digests of searches/offers, or per-event rows), with the fingerprint counted. */
export const COUNTED_FINGERPRINTS = `SELECT k.key, d.fingerprints[array_position(d.identities, k.key)] AS fingerprint
FROM jsonb_array_elements_text(:keys::jsonb) AS k(key)
JOIN identity_digests d ON d.identities @> ARRAY[k.key]
UNION ALL
SELECT length(p.source)::text || ':' || p.source || p.event_id AS key, p.fingerprint
FROM jsonb_array_elements_text(:keys::jsonb) AS k(key)
JOIN processed_events p ON p.source = substr(k.key, strpos(k.key, ':') + 1, split_part(k.key, ':', 1)::int)
    AND p.event_id = substr(k.key, strpos(k.key, ':') + 1 + split_part(k.key, ':', 1)::int)`;

/** Identities of the given keys held in digests (a per-event identity claimed after another type counted it). */
export const DIGESTED_FINGERPRINTS = `SELECT k.key, d.fingerprints[array_position(d.identities, k.key)] AS fingerprint
FROM jsonb_array_elements_text(:keys::jsonb) AS k(key)
JOIN identity_digests d ON d.identities @> ARRAY[k.key]`;

/** Gives back per-event identity claims (their identity was counted under another type). */
export const UNCLAIM_EVENTS = `DELETE FROM processed_events p USING jsonb_to_recordset(:keys::jsonb) AS k(source text, event_id text)
WHERE p.source = k.source AND p.event_id = k.event_id`;

/** One digest row per (chunk, event hour): the identities and fingerprints counted. */
export const INSERT_DIGESTS = `INSERT INTO identity_digests (event_hour, identities, fingerprints)
SELECT d.event_hour, ARRAY(SELECT jsonb_array_elements_text(d.identities)), ARRAY(SELECT jsonb_array_elements_text(d.fingerprints))
FROM jsonb_to_recordset(:digests::jsonb) AS d(event_hour timestamptz, identities jsonb, fingerprints jsonb)`;

/** Records identity conflicts (same identity, other content); a repeat bumps `attempts`. */
export const UPSERT_CONFLICTS = `INSERT INTO identity_conflicts AS c (source, event_id, fingerprint, counted_fingerprint, event_type, payload)
SELECT x.source, x.event_id, x.fingerprint, x.counted_fingerprint, x.event_type, x.payload
FROM jsonb_to_recordset(:conflicts::jsonb) AS x(source text, event_id text, fingerprint text, counted_fingerprint text, event_type text, payload text)
ON CONFLICT (source, event_id, fingerprint) DO UPDATE SET attempts = c.attempts + 1, last_seen_at = now()`;

/** Serialises work on booking ids across transactions (shards, concurrent batches); ids sorted by the caller. */
export const LOCK_BOOKINGS = `SELECT pg_advisory_xact_lock(hashtextextended(t.value, 7413))
FROM jsonb_array_elements_text(:ids::jsonb) WITH ORDINALITY AS t(value, n) ORDER BY t.n`;

export const INSERT_BOOKING_EVENTS = `INSERT INTO booking_events (source, event_id, booking_id, carrier, flight_number, departure_date, origin, destination, seats, occurred_at)
SELECT b.source, b.event_id, b.booking_id, b.carrier, b.flight_number, b.departure_date, b.origin, b.destination, b.seats, b.occurred_at
FROM jsonb_to_recordset(:events::jsonb) AS b(source text, event_id text, booking_id text, carrier text, flight_number text, departure_date date, origin text, destination text, seats integer, occurred_at timestamptz)
ON CONFLICT (source, event_id) DO NOTHING`;

export const INSERT_CANCELLATION_EVENTS = `INSERT INTO cancellation_events (source, event_id, booking_id, carrier, flight_number, departure_date, seats, occurred_at)
SELECT c.source, c.event_id, c.booking_id, c.carrier, c.flight_number, c.departure_date, c.seats, c.occurred_at
FROM jsonb_to_recordset(:events::jsonb) AS c(source text, event_id text, booking_id text, carrier text, flight_number text, departure_date date, seats integer, occurred_at timestamptz)
ON CONFLICT (source, event_id) DO NOTHING`;

const AT_US = "(extract(epoch FROM occurred_at) * 1000000)::bigint AS at_us";

/** Every booking event of the given booking ids. */
export const BOOKING_EVENTS_OF = `SELECT source, event_id, booking_id, carrier, flight_number, to_char(departure_date, 'YYYY-MM-DD') AS departure_date, origin, destination, seats, ${AT_US}
FROM booking_events WHERE booking_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))`;

/** Every cancellation event of the given booking ids. */
export const CANCELLATION_EVENTS_OF = `SELECT source, event_id, booking_id, carrier, flight_number, to_char(departure_date, 'YYYY-MM-DD') AS departure_date, seats, ${AT_US}
FROM cancellation_events WHERE booking_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))`;

/** The stored state (the contribution already in the inventory) of the given booking ids. */
export const BOOKINGS_OF = `SELECT booking_id, carrier, flight_number, to_char(departure_date, 'YYYY-MM-DD') AS departure_date, seats, seats_cancelled, cancellations
FROM bookings WHERE booking_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))`;

/** Writes recomputed booking states. */
export const UPSERT_BOOKINGS = `INSERT INTO bookings AS b (booking_id, event_id, source, carrier, flight_number, departure_date, origin, destination, seats, seats_cancelled, status, booked_at, versions, cancellations, flight_mismatches)
SELECT s.booking_id, s.event_id, s.source, s.carrier, s.flight_number, s.departure_date, s.origin, s.destination, s.seats, s.seats_cancelled, s.status, to_timestamp(s.at_us / 1000000.0), s.versions, s.cancellations, s.flight_mismatches
FROM jsonb_to_recordset(:states::jsonb) AS s(booking_id text, event_id text, source text, carrier text, flight_number text, departure_date date, origin text, destination text, seats integer, seats_cancelled integer, status text, at_us bigint, versions integer, cancellations integer, flight_mismatches integer)
ON CONFLICT (booking_id) DO UPDATE SET event_id = EXCLUDED.event_id, source = EXCLUDED.source, carrier = EXCLUDED.carrier, flight_number = EXCLUDED.flight_number,
    departure_date = EXCLUDED.departure_date, origin = EXCLUDED.origin, destination = EXCLUDED.destination, seats = EXCLUDED.seats,
    seats_cancelled = EXCLUDED.seats_cancelled, status = EXCLUDED.status, booked_at = EXCLUDED.booked_at, versions = EXCLUDED.versions,
    cancellations = EXCLUDED.cancellations, flight_mismatches = EXCLUDED.flight_mismatches, updated_at = now()`;

/** Parked cancellations and mismatches of the given booking ids are replaced by the recomputed sets. */
export const CLEAR_PARKED = `DELETE FROM unmatched_cancellations WHERE booking_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))`;
export const CLEAR_MISMATCHES = `DELETE FROM cancellation_mismatches WHERE booking_id IN (SELECT jsonb_array_elements_text(:ids::jsonb))`;

export const INSERT_PARKED = `INSERT INTO unmatched_cancellations (source, event_id, booking_id, carrier, flight_number, departure_date, seats, occurred_at)
SELECT c.source, c.event_id, c.booking_id, c.carrier, c.flight_number, c.departure_date, c.seats, to_timestamp(c.at_us / 1000000.0)
FROM jsonb_to_recordset(:parked::jsonb) AS c(source text, event_id text, booking_id text, carrier text, flight_number text, departure_date date, seats integer, at_us bigint)`;

export const INSERT_MISMATCHES = `INSERT INTO cancellation_mismatches (source, event_id, booking_id, named_carrier, named_flight_number, named_departure_date, booking_carrier, booking_flight_number, booking_departure_date)
SELECT m.source, m.event_id, m.booking_id, m.named_carrier, m.named_flight_number, m.named_departure_date, m.booking_carrier, m.booking_flight_number, m.booking_departure_date
FROM jsonb_to_recordset(:mismatches::jsonb) AS m(source text, event_id text, booking_id text, named_carrier text, named_flight_number text, named_departure_date date, booking_carrier text, booking_flight_number text, booking_departure_date date)`;

/** Adds an inventory delta to a flight (BatchExecuteStatement). */
export const UPSERT_INVENTORY = `INSERT INTO flight_inventory AS f (carrier, flight_number, departure_date, seats_sold, bookings, cancellations)
VALUES (:carrier, :number, CAST(:departure_date AS date), GREATEST(0, :seats_delta), :bookings, :cancellations)
ON CONFLICT (carrier, flight_number, departure_date) DO UPDATE SET
    seats_sold = GREATEST(0, f.seats_sold + :seats_delta),
    bookings = f.bookings + EXCLUDED.bookings,
    cancellations = f.cancellations + EXCLUDED.cancellations,
    updated_at = now()`;

/** What a route-minute upsert does on an existing row: adds the new counts. */
const ADD_TO_ROUTE_MINUTE = `ON CONFLICT (route, minute) DO UPDATE SET
    searches = s.searches + EXCLUDED.searches,
    offers = s.offers + EXCLUDED.offers,
    bookings = s.bookings + EXCLUDED.bookings,
    cancellations = s.cancellations + EXCLUDED.cancellations,
    seats_booked = s.seats_booked + EXCLUDED.seats_booked,
    seats_cancelled = s.seats_cancelled + EXCLUDED.seats_cancelled,
    updated_at = now()`;

/** Adds counts to a route-minute, one row (bench/writer.ts's per-row baseline). */
export const UPSERT_ROUTE_MINUTE = `INSERT INTO route_minute_stats AS s (route, minute, origin, destination, searches, offers, bookings, cancellations, seats_booked, seats_cancelled)
VALUES (:route, CAST(:minute AS timestamptz), :origin, :destination, :searches, :offers, :bookings, :cancellations, :seats_booked, :seats_cancelled)
${ADD_TO_ROUTE_MINUTE}`;

/**
 * Adds a batch's route-minute counts, every row in ONE statement (the rows pre-aggregated in memory:
 * distinct keys, sorted, so concurrent batches lock rows in one order).
 */
export const UPSERT_ROUTE_MINUTES = `INSERT INTO route_minute_stats AS s (route, minute, origin, destination, searches, offers, bookings, cancellations, seats_booked, seats_cancelled)
SELECT r.route, r.minute, r.origin, r.destination, r.searches, r.offers, r.bookings, r.cancellations, r.seats_booked, r.seats_cancelled
FROM jsonb_to_recordset(:rows::jsonb) AS r(route text, minute timestamptz, origin text, destination text, searches bigint, offers bigint, bookings bigint, cancellations bigint, seats_booked bigint, seats_cancelled bigint)
ORDER BY r.route, r.minute
${ADD_TO_ROUTE_MINUTE}`;

/** Adds a batch's offer price sums, every route-currency-minute in ONE statement (distinct keys, sorted). */
export const UPSERT_OFFER_PRICES_ROWS = `INSERT INTO offer_price_stats AS p (route, minute, currency, offers, price_sum, price_sum_sq, price_min, price_max)
SELECT r.route, r.minute, r.currency, r.offers, r.price_sum, r.price_sum_sq, r.price_min, r.price_max
FROM jsonb_to_recordset(:rows::jsonb) AS r(route text, minute timestamptz, currency text, offers bigint, price_sum float8, price_sum_sq float8, price_min float8, price_max float8)
ORDER BY r.route, r.currency, r.minute
ON CONFLICT (route, currency, minute) DO UPDATE SET
    offers = p.offers + EXCLUDED.offers,
    price_sum = p.price_sum + EXCLUDED.price_sum,
    price_sum_sq = p.price_sum_sq + EXCLUDED.price_sum_sq,
    price_min = LEAST(p.price_min, EXCLUDED.price_min),
    price_max = GREATEST(p.price_max, EXCLUDED.price_max)`;

/** Offer count, sum and sum of squares per (route, currency) over [since, until). */
export const OFFER_DISTRIBUTIONS = `SELECT k.route, k.currency,
       COALESCE(SUM(p.offers), 0)::bigint AS n,
       COALESCE(SUM(p.price_sum), 0)::float8 AS price_sum,
       COALESCE(SUM(p.price_sum_sq), 0)::float8 AS price_sum_sq
FROM jsonb_to_recordset(:keys::jsonb) AS k(route text, currency text, since timestamptz, until timestamptz)
LEFT JOIN offer_price_stats p ON p.route = k.route AND p.currency = k.currency AND p.minute >= k.since AND p.minute < k.until
GROUP BY k.route, k.currency`;

/** Records flagged deals (once per offer event). */
export const INSERT_DEALS = `INSERT INTO offer_deals (source, event_id, route, origin, destination, carrier, departure_date, amount, currency, route_mean, route_stddev, sample_size, occurred_at)
SELECT d.source, d.event_id, d.route, d.origin, d.destination, d.carrier, d.departure_date, d.amount, d.currency, d.route_mean, d.route_stddev, d.sample_size, d.occurred_at
FROM jsonb_to_recordset(:deals::jsonb) AS d(source text, event_id text, route text, origin text, destination text, carrier text, departure_date date, amount float8, currency text, route_mean float8, route_stddev float8, sample_size bigint, occurred_at timestamptz)
ON CONFLICT (source, event_id) DO NOTHING`;

/** Searches in each window and in the baseline span before it, per route. */
export const WINDOW_SEARCHES = `SELECT k.i,
       COALESCE((SELECT SUM(s.searches) FROM route_minute_stats s WHERE s.route = k.route AND s.minute >= k.window_start AND s.minute < k.window_end), 0)::bigint AS window_searches,
       COALESCE((SELECT SUM(s.searches) FROM route_minute_stats s WHERE s.route = k.route AND s.minute >= k.baseline_start AND s.minute < k.window_start), 0)::bigint AS baseline_searches
FROM jsonb_to_recordset(:keys::jsonb) AS k(i integer, route text, window_start timestamptz, window_end timestamptz, baseline_start timestamptz)`;

/** The alerts outbox backlog: alerts stored but not yet published (the partial index alerts_unpublished serves it). */
export const ALERTS_OUTBOX_BACKLOG = `SELECT count(*)::bigint AS pending FROM alerts WHERE published_at IS NULL`;

export const MARK_ALERTS_PUBLISHED = `UPDATE alerts SET published_at = now() WHERE alert_id = ANY(CAST(:ids AS bigint[]))`;

/** Keeps review data for a poison record; a retry of the same record bumps `attempts`. */
export const UPSERT_REJECTED = `INSERT INTO rejected_events AS r (sequence_number, sub_sequence, event_index, partition_key, reason, errors, payload, payload_truncated, source, event_id)
VALUES (:sequence_number, :sub_sequence, :event_index, :partition_key, :reason, CAST(:errors AS jsonb), :payload, :payload_truncated, :source, :event_id)
ON CONFLICT (sequence_number, sub_sequence, event_index) DO UPDATE SET attempts = r.attempts + 1, last_seen_at = now()`;

/** Deletes processed event ids older than the retention (bounded per call); CLEANUP_CLAIMS and CLEANUP_DIGESTS likewise. */
export const CLEANUP_PROCESSED = `DELETE FROM processed_events WHERE (source, event_id) IN (
    SELECT source, event_id FROM processed_events WHERE processed_at < now() - make_interval(hours => CAST(:retention_hours AS integer)) LIMIT :limit
)`;

export const CLEANUP_CLAIMS = `DELETE FROM stream_record_claims WHERE (shard_id, sequence_number, part) IN (
    SELECT shard_id, sequence_number, part FROM stream_record_claims WHERE claimed_at < now() - make_interval(hours => CAST(:retention_hours AS integer)) LIMIT :limit
)`;

export const CLEANUP_DIGESTS = `DELETE FROM identity_digests WHERE digest_id IN (
    SELECT digest_id FROM identity_digests WHERE created_at < now() - make_interval(hours => CAST(:retention_hours AS integer)) LIMIT :limit
)`;
