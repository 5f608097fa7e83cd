/**
 * The source connectors of the local platform: each connector's AWS handler
 * code (functions/connectors/<name>) against a local stand-in of its source
 * API, its API key read through the local Secrets Manager stand-in, writing
 * to the local stream through a client the platform journals like the
 * ingestion service's (acknowledged means durable). The platform runs each
 * on its scheduler (local/scheduler.ts) every `intervalMs` (30 minutes, the
 * ScheduledSource default) and `run(name)` runs one at once.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "crypto";
import { createFlightStatusConnector, type RunSummary } from "../../functions/connectors/flight-status/handler";
import { kinesisClientConfig, LOCAL_REGION } from "../emulators/kinesis";
import type { ScheduledJob } from "../scheduler";
import { startFlightsApi } from "./aviationstack";
import { startSecretsStandIn } from "./secrets";

export const CONNECTOR_NAMES = ["flight-status"] as const;
export type ConnectorName = (typeof CONNECTOR_NAMES)[number];
/** The local secret's ARN (the shape ScheduledSource's secret has). */
export const LOCAL_API_KEY_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:local-flight-status-source-api-key";

export interface LocalConnectorOptions {
    readonly kinesisEndpoint: string;
    readonly streamName: string;
    /** Called with the connector's Kinesis client (the platform journals its writes). */
    readonly attach?: (client: KinesisClient) => void;
    /** @default 1800000 (30 minutes) */
    readonly intervalMs?: number;
    /** Flights in the stand-in's daily timetable. @default 48 */
    readonly flightsPerDay?: number;
    /** PAGE_LIMIT of the connector. @default 100 */
    readonly pageLimit?: number;
    /** The events' source. @default "aviationstack" */
    readonly source?: string;
    /** Clock of the stand-in API and the connector (tests freeze it). @default Date.now */
    readonly now?: () => number;
    readonly log?: (line: string) => void;
}

export interface LocalConnectors {
    /** The stand-in flights API (base URL). */
    readonly flightsApiUrl: string;
    readonly secretsEndpoint: string;
    /** Scheduler jobs, one per connector (`connector-<name>`). */
    readonly jobs: ScheduledJob[];
    run(name: ConnectorName): Promise<RunSummary>;
    stop(): Promise<void>;
}

export async function startLocalConnectors(o: LocalConnectorOptions): Promise<LocalConnectors> {
    const intervalMs = o.intervalMs ?? 30 * 60_000;
    const accessKey = randomBytes(16).toString("hex");
    const api = await startFlightsApi({ accessKey, flightsPerDay: o.flightsPerDay, now: o.now });
    const secrets = await startSecretsStandIn({ [LOCAL_API_KEY_SECRET_ARN]: JSON.stringify({ apiKey: accessKey }) });
    const kinesis = new KinesisClient({ ...kinesisClientConfig(o.kinesisEndpoint), maxAttempts: 1 });
    o.attach?.(kinesis);
    const sm = new SecretsManagerClient({ endpoint: secrets.endpoint, region: LOCAL_REGION, credentials: { accessKeyId: "AKIALOCALSECRETS", secretAccessKey: "local" } });
    const log = o.log ?? (() => undefined);
    const flightStatus = createFlightStatusConnector(
        { baseUrl: api.url, secretId: LOCAL_API_KEY_SECRET_ARN, streamName: o.streamName, source: o.source ?? "aviationstack", connector: "flight-status", limit: o.pageLimit },
        { clients: { kinesis, secrets: sm }, now: o.now, log: (line) => log(`connector flight-status: ${line}`) },
    );
    const run = (name: ConnectorName) => {
        if (name !== "flight-status") throw new Error(`no connector ${JSON.stringify(name)}; connectors: ${CONNECTOR_NAMES.join(", ")}.`);
        return flightStatus();
    };
    return {
        flightsApiUrl: api.url,
        secretsEndpoint: secrets.endpoint,
        jobs: intervalMs === 0 ? [] : [{ name: "connector-flight-status", intervalMs, run: () => flightStatus() }],
        run,
        async stop() {
            await Promise.all([api.stop(), secrets.stop()]);
            kinesis.destroy();
            sm.destroy();
        },
    };
}
