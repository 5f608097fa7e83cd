/**
 * Local AWS emulators for tests and `npm start`: Kinesis (kinesis-local),
 * S3 (s3rver) and the RDS Data API (local/dataapi over PGlite).
 */
import * as path from "path";
import { DataApi, DataApiOptions, startDataApi } from "../dataapi/server";
import { KinesisEmulator, KinesisEmulatorOptions, startKinesis } from "./kinesis";
import { S3_LOCAL_CREDENTIALS, S3Emulator, S3EmulatorOptions, startS3 } from "./s3";

export * from "./kinesis";
export * from "./s3";
export { freePort } from "./process";
export { startDataApi, dataApiClientConfig, DEFAULT_DATABASE, DEFAULT_RESOURCE_ARN, DEFAULT_SECRET_ARN } from "../dataapi/server";
export type { DataApi, DataApiOptions } from "../dataapi/server";

export interface EmulatorsOptions {
    /**
     * Base folder for data that should survive restarts: `<dir>/kinesis`,
     * `<dir>/s3`, `<dir>/db`. Options given per emulator win.
     * @default - nothing persisted (in memory / temporary folders)
     */
    readonly dir?: string;
    /** Kinesis options, or `false` to not start it. @default {} */
    readonly kinesis?: KinesisEmulatorOptions | false;
    /** S3 options, or `false` to not start it. @default {} */
    readonly s3?: S3EmulatorOptions | false;
    /** Data API options, or `false` to not start it. @default {} */
    readonly dataApi?: DataApiOptions | false;
}

export interface Emulators {
    readonly kinesis?: KinesisEmulator;
    readonly s3?: S3Emulator;
    readonly dataApi?: DataApi;
    /**
     * Environment for code that builds SDK clients from the standard variables:
     * AWS_REGION, credentials every emulator accepts (s3rver's), and
     * AWS_ENDPOINT_URL_KINESIS / _S3 / _RDS_DATA for the emulators started.
     * (Kinesis still needs `requestHandler: new NodeHttpHandler()` and S3
     * `forcePathStyle: true` in the client config.)
     */
    env(): Record<string, string>;
    /** Stops every emulator started (idempotent, never throws on an already stopped one). */
    stop(): Promise<void>;
}

/** Starts the requested emulators in parallel; if one fails, stops the others and rethrows. */
export async function startEmulators(opts: EmulatorsOptions = {}): Promise<Emulators> {
    const dir = opts.dir === undefined ? undefined : path.resolve(opts.dir);
    const started: Array<{ stop(): Promise<void> }> = [];
    const track = <T extends { stop(): Promise<void> }>(p: Promise<T>): Promise<T> =>
        p.then((x) => {
            started.push(x);
            return x;
        });
    const results = await Promise.allSettled([
        opts.kinesis === false ? undefined : track(startKinesis({ dataDir: dir && path.join(dir, "kinesis"), ...opts.kinesis })),
        opts.s3 === false ? undefined : track(startS3({ directory: dir && path.join(dir, "s3"), ...opts.s3 })),
        opts.dataApi === false ? undefined : track(startDataApi({ dataDir: dir && path.join(dir, "db"), ...opts.dataApi })),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0) {
        await Promise.allSettled(started.map((s) => s.stop()));
        throw failed[0].reason;
    }
    const value = <T>(r: PromiseSettledResult<T>) => (r as PromiseFulfilledResult<T>).value;
    const kinesis = value(results[0]) as KinesisEmulator | undefined;
    const s3 = value(results[1]) as S3Emulator | undefined;
    const dataApi = value(results[2]) as DataApi | undefined;
    let stopping: Promise<void> | undefined;
    return {
        kinesis,
        s3,
        dataApi,
        env() {
            const env: Record<string, string> = {
                AWS_REGION: "us-east-1",
                AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
                AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
            };
            if (kinesis) env.AWS_ENDPOINT_URL_KINESIS = kinesis.endpoint;
            if (s3) env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
            if (dataApi) env.AWS_ENDPOINT_URL_RDS_DATA = dataApi.endpoint;
            return env;
        },
        stop() {
            stopping ??= (async () => {
                const res = await Promise.allSettled(started.map((s) => s.stop()));
                const err = res.find((r): r is PromiseRejectedResult => r.status === "rejected");
                if (err) throw err.reason;
            })();
            return stopping;
        },
    };
}
