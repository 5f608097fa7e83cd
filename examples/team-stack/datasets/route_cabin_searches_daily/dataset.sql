WITH e AS (
  SELECT origin, destination, cabin, passengers,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type = 'search' AND dt = '{{day}}' {{sourceFilter}}
)
SELECT origin || '-' || destination AS route, cabin,
  CAST(COUNT(*) AS BIGINT) AS searches,
  CAST(SUM(passengers) AS BIGINT) AS seats
FROM e
WHERE copy = 1
GROUP BY origin, destination, cabin
ORDER BY route, cabin
