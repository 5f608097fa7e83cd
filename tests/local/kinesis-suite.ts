/** A kinesis-local emulator for one mocha suite (free loopback port, temp state), shared by the tests that talk to a real Kinesis API. */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { KinesisEmulator, startKinesis } from "../../local/emulators/kinesis";

export interface KinesisSuite {
    /** The running emulator (set once the suite's `before` has run). */
    readonly emulator: KinesisEmulator;
    /** A client of it. */
    readonly client: KinesisClient;
}

/** Call inside a `describe`: starts the emulator before the suite's tests, destroys the client and stops it after them. */
export function kinesisSuite(): KinesisSuite {
    const suite = {} as { emulator: KinesisEmulator; client: KinesisClient };
    before(async () => {
        suite.emulator = await startKinesis();
        suite.client = suite.emulator.client();
    });
    after(async () => {
        suite.client?.destroy();
        await suite.emulator?.stop();
    });
    return suite;
}
