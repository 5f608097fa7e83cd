/**
 * Every statement the processor runs (PostgreSQL through the Data API).
 * Sets of rows travel as one JSON parameter (`jsonb_to_recordset`) when the
 * statement must return what it did; plain upserts use BatchExecuteStatement.
 */

/** Claims event ids; returns only the ids not seen before (the idempotency gate). */
export const CLAIM_EVENTS = `INSERT INTO processed_events (event_id, event_type, occurred_at)
SELECT e.event_id, e.event_type, e.occurred_at
FROM jsonb_to_recordset(:events::jsonb) AS e(event_id text, event_type text, occurred_at timestamptz)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id`;

/** Inserts bookings seen for the first time (by booking id); returns their ids. */
export const INSERT_BOOKINGS = `INSERT INTO bookings (booking_id, event_id, carrier, flight_number, departure_date, origin, destination, seats, booked_at)
SELECT b.booking_id, b.event_id, b.carrier, b.flight_number, b.departure_date, b.origin, b.destination, b.seats, b.occurred_at
FROM jsonb_to_recordset(:bookings::jsonb) AS b(booking_id text, event_id text, carrier text, flight_number text, departure_date date, origin text, destination text, seats integer, occurred_at timestamptz)
ON CONFLICT (booking_id) DO NOTHING
RETURNING booking_id`;

/**
 * Applies one round of cancellations (each booking at most once per round):
 * removes min(requested, still booked) seats from known bookings that are not
 * fully cancelled; records cancellations of unknown bookings for review.
 * Returns one row per cancellation with outcome 'applied' or 'unmatched'
 * (cancellations of fully cancelled bookings return nothing).
 */
export const APPLY_CANCELLATIONS = `WITH c AS (
    SELECT * FROM jsonb_to_recordset(:cancellations::jsonb)
        AS c(event_id text, booking_id text, carrier text, flight_number text, departure_date date, seats integer, occurred_at timestamptz)
), m AS (
    SELECT c.event_id, b.booking_id, LEAST(c.seats, b.seats - b.seats_cancelled) AS removed,
           b.carrier, b.flight_number, b.departure_date
    FROM c JOIN bookings b ON b.booking_id = c.booking_id
    WHERE b.seats_cancelled < b.seats
    FOR UPDATE OF b
), upd AS (
    UPDATE bookings b
    SET seats_cancelled = b.seats_cancelled + m.removed,
        status = CASE WHEN b.seats_cancelled + m.removed >= b.seats THEN 'cancelled' ELSE 'partially_cancelled' END,
        updated_at = now()
    FROM m WHERE b.booking_id = m.booking_id
    RETURNING b.booking_id
), un AS (
    INSERT INTO unmatched_cancellations (event_id, booking_id, carrier, flight_number, departure_date, seats, occurred_at)
    SELECT c.event_id, c.booking_id, c.carrier, c.flight_number, c.departure_date, c.seats, c.occurred_at
    FROM c WHERE NOT EXISTS (SELECT 1 FROM bookings b WHERE b.booking_id = c.booking_id)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id, booking_id, seats
)
SELECT 'applied' AS outcome, m.event_id, m.booking_id, m.removed::int AS seats FROM m
UNION ALL
SELECT 'unmatched' AS outcome, un.event_id, un.booking_id, un.seats::int AS seats FROM un`;

/** Adds an inventory delta to a flight (BatchExecuteStatement). */
export const UPSERT_INVENTORY = `INSERT INTO flight_inventory AS f (carrier, flight_number, departure_date, seats_sold, bookings, cancellations)
VALUES (:carrier, :number, CAST(:departure_date AS date), GREATEST(0, :seats_delta), :bookings, :cancellations)
ON CONFLICT (carrier, flight_number, departure_date) DO UPDATE SET
    seats_sold = GREATEST(0, f.seats_sold + :seats_delta),
    bookings = f.bookings + EXCLUDED.bookings,
    cancellations = f.cancellations + EXCLUDED.cancellations,
    updated_at = now()`;

/** Adds counts to a route-minute (BatchExecuteStatement). */
export const UPSERT_ROUTE_MINUTE = `INSERT INTO route_minute_stats AS s (route, minute, origin, destination, searches, offers, bookings, cancellations, seats_booked, seats_cancelled)
VALUES (:route, CAST(:minute AS timestamptz), :origin, :destination, :searches, :offers, :bookings, :cancellations, :seats_booked, :seats_cancelled)
ON CONFLICT (route, minute) DO UPDATE SET
    searches = s.searches + EXCLUDED.searches,
    offers = s.offers + EXCLUDED.offers,
    bookings = s.bookings + EXCLUDED.bookings,
    cancellations = s.cancellations + EXCLUDED.cancellations,
    seats_booked = s.seats_booked + EXCLUDED.seats_booked,
    seats_cancelled = s.seats_cancelled + EXCLUDED.seats_cancelled,
    updated_at = now()`;

/** Adds offer price sums to a route-currency-minute (BatchExecuteStatement). */
export const UPSERT_OFFER_PRICES = `INSERT INTO offer_price_stats AS p (route, minute, currency, offers, price_sum, price_sum_sq, price_min, price_max)
VALUES (:route, CAST(:minute AS timestamptz), :currency, :offers, :price_sum, :price_sum_sq, :price_min, :price_max)
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
export const INSERT_DEALS = `INSERT INTO offer_deals (event_id, route, origin, destination, carrier, departure_date, amount, currency, route_mean, route_stddev, sample_size, occurred_at)
SELECT d.event_id, d.route, d.origin, d.destination, d.carrier, d.departure_date, d.amount, d.currency, d.route_mean, d.route_stddev, d.sample_size, d.occurred_at
FROM jsonb_to_recordset(:deals::jsonb) AS d(event_id text, route text, origin text, destination text, carrier text, departure_date date, amount float8, currency text, route_mean float8, route_stddev float8, sample_size bigint, occurred_at timestamptz)
ON CONFLICT (event_id) DO NOTHING`;

/** Searches in each window and in the baseline span before it, per route. */
export const WINDOW_SEARCHES = `SELECT k.i,
       COALESCE((SELECT SUM(s.searches) FROM route_minute_stats s WHERE s.route = k.route AND s.minute >= k.window_start AND s.minute < k.window_end), 0)::bigint AS window_searches,
       COALESCE((SELECT SUM(s.searches) FROM route_minute_stats s WHERE s.route = k.route AND s.minute >= k.baseline_start AND s.minute < k.window_start), 0)::bigint AS baseline_searches
FROM jsonb_to_recordset(:keys::jsonb) AS k(i integer, route text, window_start timestamptz, window_end timestamptz, baseline_start timestamptz)`;

/** Stores alerts; the unique (route, window_start) keeps one per route per window. */
export const INSERT_ALERTS = `INSERT INTO alerts (route, origin, destination, window_start, window_end, searches, baseline_searches, multiplier, min_searches)
SELECT a.route, a.origin, a.destination, a.window_start, a.window_end, a.searches, a.baseline_searches, a.multiplier, a.min_searches
FROM jsonb_to_recordset(:alerts::jsonb) AS a(route text, origin text, destination text, window_start timestamptz, window_end timestamptz, searches bigint, baseline_searches float8, multiplier float8, min_searches bigint)
ON CONFLICT ON CONSTRAINT alerts_one_per_route_window DO NOTHING
RETURNING alert_id`;

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** Alerts not yet published (outbox), oldest first. */
export const UNPUBLISHED_ALERTS = `SELECT alert_id::bigint AS alert_id, route, origin, destination,
       ${ISO("window_start")} AS window_start, ${ISO("window_end")} AS window_end,
       searches::bigint AS searches, baseline_searches::float8 AS baseline_searches
FROM alerts WHERE published_at IS NULL ORDER BY created_at, alert_id LIMIT :limit`;

/** The alerts outbox backlog: alerts stored but not yet published (the partial index alerts_unpublished serves it). */
export const ALERTS_OUTBOX_BACKLOG = `SELECT count(*)::bigint AS pending FROM alerts WHERE published_at IS NULL`;

export const MARK_ALERTS_PUBLISHED = `UPDATE alerts SET published_at = now() WHERE alert_id = ANY(CAST(:ids AS bigint[]))`;

/** Keeps review data for a poison record; a retry of the same record bumps `attempts`. */
export const UPSERT_REJECTED = `INSERT INTO rejected_events AS r (sequence_number, sub_sequence, partition_key, reason, errors, payload, payload_truncated)
VALUES (:sequence_number, :sub_sequence, :partition_key, :reason, CAST(:errors AS jsonb), :payload, :payload_truncated)
ON CONFLICT (sequence_number, sub_sequence) DO UPDATE SET attempts = r.attempts + 1, last_seen_at = now()`;

/** Deletes processed event ids older than the retention (bounded per call). */
export const CLEANUP_PROCESSED = `DELETE FROM processed_events WHERE event_id IN (
    SELECT event_id FROM processed_events WHERE processed_at < now() - make_interval(hours => CAST(:retention_hours AS integer)) LIMIT :limit
)`;
