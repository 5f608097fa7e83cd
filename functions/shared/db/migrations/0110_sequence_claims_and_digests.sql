-- Exactly once at 10 TB/day (docs/analytics.md "Identity and idempotency", docs/capacity.md
-- "Aurora"): per-event identity rows only for the state-changing types; everything else is
-- recognised through compact per-chunk digests, and redelivered stream records are skipped
-- whole through their (shard, sequence number) claims.

-- A part of a Kinesis record (its valid events split within the chunk limits, deterministically)
-- whose events were all counted, in the same transaction as their aggregates. A redelivery,
-- a retry, a bisection's replay or a replay from the stream of a claimed part is skipped.
-- Keyed by shard id: child shards after a reshard have new ids, so their sequence numbers never
-- collide with their parents'.
CREATE TABLE stream_record_claims (
    shard_id text NOT NULL,
    sequence_number text NOT NULL,
    part integer NOT NULL CHECK (part >= 0),
    events integer NOT NULL CHECK (events >= 0),
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shard_id, sequence_number, part)
);
CREATE INDEX stream_record_claims_claimed_at ON stream_record_claims (claimed_at);

-- The identities (length-prefixed "<len(source)>:<source><eventId>") and fingerprints of the
-- searches and offers one chunk counted for one UTC hour of event time: one row per chunk and
-- hour instead of one row per event. The GIN index finds an identity in any row (a producer
-- resend, a conflicting copy); rows expire with PROCESSED_EVENTS_RETENTION_HOURS (created_at),
-- recompute deletes a window's rows by event_hour.
CREATE TABLE identity_digests (
    digest_id bigserial PRIMARY KEY,
    event_hour timestamptz NOT NULL,
    identities text[] NOT NULL,
    fingerprints text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(identities) = cardinality(fingerprints))
);
-- fastupdate off: a lookup never scans a pending list (each chunk looks its identities up first).
CREATE INDEX identity_digests_identities ON identity_digests USING gin (identities) WITH (fastupdate = off);
CREATE INDEX identity_digests_event_hour ON identity_digests (event_hour);
CREATE INDEX identity_digests_created_at ON identity_digests (created_at);

-- Every identity counted, whichever structure holds it (reviews, tests, the fault suite).
CREATE VIEW counted_identities AS
SELECT source, event_id, event_type, fingerprint FROM processed_events
UNION ALL
SELECT substr(rest, 1, n) AS source, substr(rest, n + 1) AS event_id, NULL::text AS event_type, fp AS fingerprint
FROM (
    SELECT split_part(i.key, ':', 1)::int AS n, substr(i.key, strpos(i.key, ':') + 1) AS rest, i.fp
    FROM identity_digests d, unnest(d.identities, d.fingerprints) AS i(key, fp)
) AS x;
