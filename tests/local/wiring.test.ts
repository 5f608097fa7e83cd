/**
 * The local platform is wired through the stack's own functions (local/platform.ts
 * `localStackSettings`: stack/config.ts `readStackConfigFile` → `parseStackConfig` on
 * Pulumi.dev.yaml, components/stream/mapping.ts `streamMappingSettings` of
 * `processorMappingArgs` / `consumerMappingArgs`, the processor built by
 * `processorFromEnv`), so its processor and consumers run with the dev plan's
 * settings: every mapping of the dev plan is compared with the local one.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { esmOptionsFromMapping, resolveEsmOptions } from "../../local/esm";
import { localStackSettings, processorEsmOptions, REPO_ROOT } from "../../local/platform";
import { CONSUMERS } from "../../stack/consumers";
import { planStack } from "../../plan/stack";
import type { PlannedResource, ProgramResult } from "../../plan/engine";

const MAPPING_KEYS = ["startingPosition", "batchSize", "maximumBatchingWindowInSeconds", "parallelizationFactor", "bisectBatchOnFunctionError", "functionResponseTypes", "maximumRetryAttempts", "maximumRecordAgeInSeconds"] as const;

function mappingOf(plan: ProgramResult, name: string): Record<string, unknown> {
    const found = plan.resources.filter((r: PlannedResource) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping" && r.name === `${name}-mapping`);
    expect(found, `one mapping ${name}-mapping in the dev plan`).to.have.length(1);
    return Object.fromEntries(MAPPING_KEYS.map((k) => [k, found[0].inputs[k]]));
}

describe("local platform wiring = the dev stack's", function () {
    this.timeout(300_000);
    let plan: ProgramResult;
    const settings = localStackSettings();

    before(async () => {
        plan = await planStack("dev");
    });

    it("runs the stream processor's mapping with the dev plan's settings", () => {
        expect({ ...settings.processorMapping }).to.deep.equal(mappingOf(plan, "analytics-processor"));
        // What the platform hands the local mapping (before test overrides), as the local mapping resolves it.
        const options = processorEsmOptions(settings);
        const planned = mappingOf(plan, "analytics-processor");
        expect(options).to.include({
            batchSize: planned.batchSize,
            maximumBatchingWindowInSeconds: planned.maximumBatchingWindowInSeconds,
            parallelizationFactor: planned.parallelizationFactor,
            bisectBatchOnFunctionError: planned.bisectBatchOnFunctionError,
            reportBatchItemFailures: (planned.functionResponseTypes as string[]).includes("ReportBatchItemFailures"),
            maximumRetryAttempts: planned.maximumRetryAttempts,
            maximumRecordAgeInSeconds: planned.maximumRecordAgeInSeconds,
            startingPosition: planned.startingPosition,
        });
        expect(resolveEsmOptions(options).maxAgeMs).to.equal((planned.maximumRecordAgeInSeconds as number) * 1000);
    });

    for (const d of CONSUMERS) {
        it(`runs consumer ${d.name}'s mapping with the dev plan's settings`, () => {
            expect({ ...settings.consumerMappings[d.name] }).to.deep.equal(mappingOf(plan, d.name));
        });
    }

    it("gives the processor the dev plan's PROCESSED_EVENTS_RETENTION_HOURS", () => {
        const fn = plan.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === "analytics-processor");
        expect(fn, "the processor function in the dev plan").to.not.equal(undefined);
        expect(settings.processorEnv.PROCESSED_EVENTS_RETENTION_HOURS).to.equal(fn!.inputs.environment.variables.PROCESSED_EVENTS_RETENTION_HOURS);
    });

    it("creates the dev plan's shard count and the dev ponds", () => {
        const stream = plan.resources.find((r) => r.type === "aws:kinesis/stream:Stream" && r.name === "stream");
        expect(settings.shards).to.equal(stream!.inputs.shardCount);
        expect(settings.ponds.map((p) => p.name)).to.deep.equal(settings.config.ponds.map((p) => p.pond));
    });

    it("maps the mapping settings one to one onto the local mapping's options", () => {
        expect(esmOptionsFromMapping({ ...settings.processorMapping, batchSize: 7, maximumRecordAgeInSeconds: -1, functionResponseTypes: [] as never })).to.include({
            batchSize: 7,
            maximumRecordAgeInSeconds: -1,
            reportBatchItemFailures: false,
        });
    });

    it("fails when the dev stack file is invalid, with the stack config's message", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wiring-"));
        try {
            const file = path.join(dir, "Pulumi.dev.yaml");
            const original = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
            fs.writeFileSync(file, original.replace(/^ {2}flightstream:environment: dev$/m, "  flightstream:environment: staging"));
            expect(() => localStackSettings(file)).to.throw(/`environment` must be one of "dev", "prod" \(received "staging"\)/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
