/**
 * End-to-end on the local platform (temp dir, free ports): a dataset added as
 * files (a folder with dataset.yaml and dataset.sql in a team's own root, no
 * TypeScript) appears in a pond after the ETL run, counted exactly; the
 * flight-status connector's events (its AWS handler against the stand-in
 * API, on the platform's schedule code path) reach the lake under
 * type=flight_status, every published identity exactly once.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { randomUUID } from "crypto";
import { expect } from "chai";
import type { S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Platform } from "../../local/platform";
import { getBytes, listKeys, startTestPlatform, stopTestPlatform, tempDir } from "./helpers";
import { localKeyFor } from "../../local/keys";
import { postEvents } from "../helpers/ingest";
import { flightsAt } from "../../local/connectors/aviationstack";
import { toFlightStatusEvent } from "../../functions/connectors/flight-status/event";

const DATASET_YAML = `# Searches per cabin and UTC day: a team's dataset, added as files only.
name: cabin_searches_daily
inputs: [search]
schedule: rate(1 day)
columns:
  cabin: string
  searches: bigint
  passengers: bigint
`;
const DATASET_SQL = `WITH e AS (
  SELECT cabin, passengers, row_number() OVER (PARTITION BY source, eventId ORDER BY occurredAt) AS copy
  FROM {{events}}
  WHERE type = 'search' AND dt = '{{day}}' {{sourceFilter}}
)
SELECT cabin, CAST(COUNT(*) AS BIGINT) AS searches, CAST(SUM(passengers) AS BIGINT) AS passengers
FROM e
WHERE copy = 1
GROUP BY cabin
ORDER BY cabin
`;

describe("local platform: datasets as files and the flight-status connector (tests/e2e)", function () {
    this.timeout(240000);
    let platform: Platform;
    let dir: string;
    let root: string;
    let s3: S3Client;
    // The stand-in API's and the connector's clock, frozen so both runs see the same flight states.
    const polledAt = Date.now();

    before(async () => {
        dir = tempDir("sources");
        root = fs.mkdtempSync(path.join(os.tmpdir(), "team-datasets-"));
        fs.mkdirSync(path.join(root, "cabin_searches_daily"));
        fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.yaml"), DATASET_YAML);
        fs.writeFileSync(path.join(root, "cabin_searches_daily", "dataset.sql"), DATASET_SQL);
        platform = await startTestPlatform(dir, {
            lakeBufferIntervalMs: 1000,
            connectors: { intervalMs: 0, flightsPerDay: 40, pageLimit: 15, now: () => polledAt },
            ponds: [{ name: "web", bucket: "flightstream-local-pond-web", datasets: ["cabin_searches_daily", "route_demand_daily"], datasetRoots: [path.join(__dirname, "..", "..", "datasets"), root], intervalMs: 3_600_000 }],
            esm: { batchSize: 50, maximumBatchingWindowInSeconds: 0, pollIntervalMs: 50 },
        });
        s3 = platform.s3.client();
    });

    after(async () => {
        await stopTestPlatform(platform, dir, root);
    });

    it("a dataset added as files appears in the pond after the ETL run, each event identity counted once", async () => {
        const source = localKeyFor(platform.dirs.root).source;
        const now = new Date();
        const cabins = ["business", "economy", "economy", "first", "economy", "business", "premium_economy"];
        const events = Array.from({ length: 140 }, (_, i) => ({
            eventId: `cab-${randomUUID()}`,
            type: "search",
            occurredAt: new Date(now.getTime() - 1000).toISOString(),
            source,
            origin: "ZRH",
            destination: "LIS",
            departureDate: "2027-01-15",
            passengers: 1 + (i % 3),
            cabin: cabins[i % cabins.length],
        }));
        // Every event is sent, the first 20 twice (a client retry): the dataset counts identities, not copies.
        for (const body of [events.slice(0, 70), events.slice(70), events.slice(0, 20)]) {
            const res = await postEvents(platform.ingestUrl, platform.dirs.root, body, source);
            expect(res.status).to.equal(202);
        }
        await platform.settle(120000);
        const day = now.toISOString().slice(0, 10);
        const out = await platform.runPondEtl("web", { from: day });
        expect(out.map((o) => [o.dataset, o.day, o.rows])).to.deep.equal([
            ["cabin_searches_daily", day, 4],
            ["route_demand_daily", day, 1],
        ]);
        const key = out[0].key!;
        expect(key).to.equal(`cabin_searches_daily/dt=${day}/part-00000.snappy.parquet`);
        const file = path.join(dir, "cabins.parquet");
        fs.writeFileSync(file, await getBytes(s3, "flightstream-local-pond-web", key));
        const db = await (await DuckDBInstance.create(":memory:")).connect();
        const rows = (await db.runAndReadAll(`SELECT cabin, searches, passengers FROM read_parquet('${file}') ORDER BY cabin`)).getRowObjectsJson();
        db.closeSync();
        const want = new Map<string, { searches: number; passengers: number }>();
        for (const e of events) {
            const w = want.get(e.cabin) ?? { searches: 0, passengers: 0 };
            w.searches++;
            w.passengers += e.passengers;
            want.set(e.cabin, w);
        }
        expect(rows).to.deep.equal([...want.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cabin, w]) => ({ cabin, searches: String(w.searches), passengers: String(w.passengers) })));
    });

    it("the flight-status connector's events reach the lake under type=flight_status, each published identity exactly once", async function () {
        const first = await platform.runConnector("flight-status");
        const second = await platform.runConnector("flight-status"); // a re-poll of the same states: the same eventIds
        const want = new Set<string>();
        for (const f of flightsAt(polledAt, 40)) {
            const m = toFlightStatusEvent(f, "aviationstack", polledAt);
            if (m.ok) want.add(`aviationstack\u0000${m.event.eventId}`);
        }
        expect(want.size).to.be.greaterThan(30);
        expect(first).to.deep.equal({ pages: 3, flights: 40, total: 40, truncated: false, published: want.size, skipped: 40 - want.size });
        expect(second).to.deep.equal(first);
        await platform.settle(120000);
        const keys = await listKeys(s3, platform.lakeBucket, "data/type=flight_status/");
        expect(keys.length).to.be.greaterThan(0);
        const lines: { source: string; eventId: string; type: string }[] = [];
        for (const k of keys)
            for (const l of gunzipSync(await getBytes(s3, platform.lakeBucket, k))
                .toString("utf8")
                .split("\n"))
                if (l) lines.push(JSON.parse(l));
        expect(lines.every((e) => e.type === "flight_status" && e.source === "aviationstack")).to.equal(true);
        // The lake is at-least-once: both runs' copies are there; the identities are exactly the states polled.
        expect(lines.length).to.equal(2 * want.size);
        expect([...new Set(lines.map((e) => `${e.source}\u0000${e.eventId}`))].sort()).to.deep.equal([...want].sort());
    });
});
