-- Forecast-based alerts (docs/analytics.md, "High-demand alert test"): the evidence of each
-- alert and its episode. One row per episode: window_start is the window that opened it,
-- last_elevated_window the last window at or above closeRatio x expected.
ALTER TABLE alerts ADD COLUMN expected double precision;
ALTER TABLE alerts ADD COLUMN p_value double precision;
ALTER TABLE alerts ADD COLUMN alpha double precision;
ALTER TABLE alerts ADD COLUMN basis text;
ALTER TABLE alerts ADD COLUMN model_version text;
ALTER TABLE alerts ADD COLUMN last_elevated_window timestamptz;
CREATE INDEX alerts_route_window ON alerts (route, window_start DESC);
