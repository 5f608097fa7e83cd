/** SQL (PostgreSQL): `col`, a timestamptz, as an ISO-8601 UTC timestamp with seconds and `Z` ("2026-11-22T10:15:00Z"). */
export const isoUtc = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
