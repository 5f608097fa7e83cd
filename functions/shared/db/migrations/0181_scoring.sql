-- Scoring results (docs/analytics.md "Scoring"): deal classification and price-adjustment
-- suggestions, one row per offer identity (source, event_id) like every processor write, so a
-- retried, replayed or recomputed offer never yields a second row. Numbered 0181 (issue 18)
-- so parallel schema migrations do not collide with it.

-- Deals keep their table; each now says how sure (score: standard deviations below the
-- route mean for the built-in model), why, and which model decided. Rows from before this
-- migration were flagged by the fixed rule.
ALTER TABLE offer_deals ADD COLUMN IF NOT EXISTS score double precision NOT NULL DEFAULT 0;
ALTER TABLE offer_deals ADD COLUMN IF NOT EXISTS reason text NOT NULL DEFAULT '';
ALTER TABLE offer_deals ADD COLUMN IF NOT EXISTS model text NOT NULL DEFAULT 'rule';
-- Outbox for EventBridge (SCORING_EVENT_BUS_NAME): NULL until published.
ALTER TABLE offer_deals ADD COLUMN IF NOT EXISTS published_at timestamptz;
CREATE INDEX IF NOT EXISTS offer_deals_flagged ON offer_deals (flagged_at DESC);
CREATE INDEX IF NOT EXISTS offer_deals_unpublished ON offer_deals (flagged_at) WHERE published_at IS NULL;

-- Suggested fare adjustments for a flight's fare (carrier, route, departure date), from
-- demand, load and competitor offers; only adjustments at least the model's minimum.
CREATE TABLE IF NOT EXISTS price_adjustments (
    source text NOT NULL,
    event_id text NOT NULL,
    route text NOT NULL,
    origin text NOT NULL,
    destination text NOT NULL,
    carrier text NOT NULL,
    departure_date date NOT NULL,
    currency text NOT NULL,
    amount double precision NOT NULL,
    adjustment double precision NOT NULL CHECK (adjustment >= -1 AND adjustment <= 1),
    suggested_amount double precision NOT NULL,
    searches_per_hour double precision NOT NULL,
    seats_held integer NOT NULL,
    route_mean double precision NOT NULL,
    sample_size bigint NOT NULL,
    reason text NOT NULL,
    model text NOT NULL,
    occurred_at timestamptz NOT NULL,
    scored_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX IF NOT EXISTS price_adjustments_route ON price_adjustments (route, occurred_at DESC);
CREATE INDEX IF NOT EXISTS price_adjustments_scored ON price_adjustments (scored_at DESC);
CREATE INDEX IF NOT EXISTS price_adjustments_unpublished ON price_adjustments (scored_at) WHERE published_at IS NULL;
