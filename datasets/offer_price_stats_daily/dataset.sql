WITH e AS (
  SELECT origin, destination, price.currency AS currency, CAST(price.amount AS DOUBLE) AS amount,
    row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type = 'offer' AND dt = '{{day}}' {{sourceFilter}}
)
SELECT origin || '-' || destination AS route, origin, destination, currency,
  CAST(COUNT(*) AS BIGINT) AS offers,
  MIN(amount) AS min_price,
  MAX(amount) AS max_price,
  AVG(amount) AS avg_price,
  CAST(PERCENTILE(amount, 0.5) AS DOUBLE) AS p50_price,
  CAST(PERCENTILE(amount, 0.9) AS DOUBLE) AS p90_price
FROM e
WHERE copy = 1
GROUP BY origin, destination, currency
ORDER BY route, currency
