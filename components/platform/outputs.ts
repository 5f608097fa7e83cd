/**
 * The flightstream platform stack's outputs, declared once: the zod schema below
 * is the contract. The platform's own program types its exports against it
 * (`PlatformStackExports`, stack/platform.ts), so renaming or reshaping an output
 * fails the type check there, and other stacks read it through
 * `platformOutputs(stackRef)` instead of untyped `getOutput("...")` strings:
 *
 *   const platform = platformOutputs(new pulumi.StackReference("organization/flightstream/prod"));
 *   const bucket = platform.lake.bucket;          // pulumi.Output<string>
 *
 * Each output is read (`requireOutput`) only when its property is first used, so a
 * stack that reads `lake` does not fail on an output it never touches; the value
 * is checked against the schema when it resolves, and a mismatch fails the
 * deployment naming the stack, the output path, the value received and what is
 * expected.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

const str = z.string();
const arn = z.string().startsWith("arn:");
const url = z.string().startsWith("https://");
const map = <T extends z.ZodType>(v: T) => z.record(z.string(), v);
const stream = z.object({ name: str, arn, kmsKeyArn: arn });

/** Every output of the platform stack, with its type. */
export const PLATFORM_OUTPUTS = z.object({
    /** "dev" or "prod". */
    environment: z.enum(["dev", "prod"]),
    /** Account id and region per logical account (ingestion, lake, analytics, pond-<name>). */
    accounts: map(z.object({ accountId: z.string().regex(/^\d{12}$/), region: str })),
    /** The raw event stream (ingestion account); `consumers` maps consumer name → enhanced fan-out consumer ARN. */
    stream: stream.extend({ shards: z.union([z.number().int().positive(), z.literal("on-demand")]), consumers: map(arn) }),
    /** The ingestion front door; `vendors` maps vendor name → its own URL. */
    ingestion: z.object({
        url,
        loadBalancerDnsName: str,
        repositoryUrl: str,
        cluster: str,
        service: str,
        healthCheckId: str,
        keyStoreSecretArn: arn,
        webAclArn: arn,
        vendors: map(url),
    }),
    /** The data lake (lake account). */
    lake: z.object({ bucket: str, keyArn: arn, database: str, eventsTable: str, deliveryStream: str, deliveryRoleArn: arn }),
    /** The pond accounts, by pond name. */
    ponds: map(z.object({ account: z.string().regex(/^\d{12}$/), bucket: str, readerRoleArn: arn, stateMachineArn: arn, etlRoleArn: arn })),
    /** The real-time pipeline and the insights API (analytics account). */
    analytics: z.object({
        clusterArn: arn,
        secretArn: arn,
        processorSecretArn: arn,
        insightsSecretArn: arn,
        databaseName: str,
        migrationsHash: str,
        processorFunction: str,
        failureQueueUrl: url,
        alertsTopicArn: arn.optional(),
        insightsUrl: url,
        scoringEndpointName: str.optional(),
        trainingFunction: str.optional(),
        scoringArtifactUri: z.string().startsWith("s3://").optional(),
    }),
    /** Streams derived from the raw stream, by name. */
    derivedStreams: map(stream),
    /** The platform's micro-batch consumers, by name. */
    consumers: map(z.object({ function: str, failureQueueUrl: url })),
    /** Scheduled source connectors, by name. */
    sources: map(z.object({ function: str, schedule: str, apiKeySecretArn: arn, deadLetterQueueUrl: url })),
    /** The operational workflows' state machines (read by the ops CLI). */
    workflows: z.object({
        replay: z.object({ stateMachineArn: arn, retentionHours: z.number().int().positive(), lakeAvailable: z.boolean(), lakeRetentionDays: z.number().int().positive().optional() }),
        reshard: z.object({ stateMachineArn: arn, streamName: str, ledgerParameter: str, automatic: z.boolean() }),
        trafficShift: z.object({ stateMachineArn: arn, hostedZoneId: str, recordName: str }),
    }),
    /** The CloudWatch dashboard's name (ingestion account, the monitoring account). */
    dashboard: str,
    /** The on-call topics per logical account. */
    oncallTopics: map(z.object({ page: arn, ticket: arn })),
});

/** The platform stack's outputs as other stacks read them (plain values). */
export type PlatformOutputs = z.infer<typeof PLATFORM_OUTPUTS>;

/** The name of every platform output. */
export type PlatformOutputName = keyof PlatformOutputs;
export const PLATFORM_OUTPUT_NAMES = Object.keys(PLATFORM_OUTPUTS.shape) as PlatformOutputName[];

/** `T` with every value, at any depth, allowed to be a `pulumi.Input`. */
export type DeepInput<T> = T extends string | number | boolean | undefined | null ? pulumi.Input<T> : pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>;

/** What the platform's program exports (index.ts): each output, made of Pulumi inputs. */
export type PlatformStackExports = { [K in PlatformOutputName]: DeepInput<PlatformOutputs[K]> };

/** Typed outputs of a platform stack: one `pulumi.Output` per output name. */
export type PlatformOutputReader = { readonly [K in PlatformOutputName]: pulumi.Output<PlatformOutputs[K]> };

function describeExpected(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return issue.expected === "object" ? "an object" : `a ${issue.expected}`;
        case "invalid_value":
            return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return `${issue.inclusive ? "at least" : "greater than"} ${issue.minimum}`;
        case "invalid_format":
            if (issue.format === "regex" && "pattern" in issue) return `a string matching ${issue.pattern}`;
            if (issue.format === "starts_with" && "prefix" in issue) return `a string starting with ${JSON.stringify(issue.prefix)}`;
            return `a ${issue.format} string`;
        case "invalid_union":
            return 'a positive integer or "on-demand"';
        default:
            return issue.message;
    }
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
}

/**
 * Checks one output's value against the schema; returns it typed, or throws an
 * error naming the stack, the output path (`lake.database`), the value received
 * and what is expected.
 */
export function checkPlatformOutput<K extends PlatformOutputName>(stackName: string, name: K, value: unknown): PlatformOutputs[K] {
    const parsed = PLATFORM_OUTPUTS.shape[name].safeParse(value);
    if (parsed.success) return parsed.data as PlatformOutputs[K];
    const problems = parsed.error.issues.map((issue) => {
        const where = [name, ...issue.path.map(String)].join(".");
        const received = at(value, issue.path);
        return `output \`${where}\` must be ${describeExpected(issue)} (received ${received === undefined ? "nothing" : JSON.stringify(received)})`;
    });
    throw new Error(`StackReference ${stackName}: ${problems.join("; ")}; is it a flightstream platform stack?`);
}

/**
 * Typed reader of a platform stack's outputs. Each property reads its output on
 * first use (`requireOutput`: a missing output fails, naming it) and checks it
 * against `PLATFORM_OUTPUTS` when it resolves; secrets stay secrets.
 */
export function platformOutputs(stackRef: pulumi.StackReference): PlatformOutputReader {
    const read = new Map<PlatformOutputName, pulumi.Output<unknown>>();
    const reader = {} as Record<PlatformOutputName, pulumi.Output<unknown>>;
    for (const name of PLATFORM_OUTPUT_NAMES) {
        Object.defineProperty(reader, name, {
            enumerable: true,
            get: () => {
                if (!read.has(name)) {
                    read.set(
                        name,
                        pulumi.all([stackRef.name, stackRef.requireOutput(name)]).apply(([stack, value]) => checkPlatformOutput(stack, name, value)),
                    );
                }
                return read.get(name)!;
            },
        });
    }
    return reader as PlatformOutputReader;
}
