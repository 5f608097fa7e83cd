WITH e AS (
  SELECT type,
    CASE WHEN type IN ('booking', 'cancellation') THEN flight.origin ELSE origin END AS origin,
    CASE WHEN type IN ('booking', 'cancellation') THEN flight.destination ELSE destination END AS destination,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type IN ('search', 'booking', 'cancellation') AND dt = '{{day}}' {{sourceFilter}}
)
SELECT origin || '-' || destination AS route, origin, destination,
  CAST(SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END) AS BIGINT) AS searches,
  CAST(SUM(CASE WHEN type = 'booking' THEN 1 ELSE 0 END) AS BIGINT) AS bookings,
  CAST(SUM(CASE WHEN type = 'cancellation' THEN 1 ELSE 0 END) AS BIGINT) AS cancellations
FROM e
WHERE copy = 1
GROUP BY origin, destination
ORDER BY route
