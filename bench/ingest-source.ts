/** The one source of the ingestion benchmark's requests (the real service gets a key for it). */
export const BENCH_SOURCE = "bench";
