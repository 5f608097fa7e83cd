/**
 * The files of the outside stack tests/package/tarball.test.ts installs the
 * package into: its program (plain CommonJS with its own Pulumi mocks; prints
 * the package's resolved path and every registered resource as JSON) and the
 * team's own consumer handler.
 */
/** The outside stack's program: plain CommonJS, its own mocks, prints what it registered as JSON. */
export const PROGRAM = String.raw`
const pulumi = require("@pulumi/pulumi");
const path = require("path");
const ACCOUNT = "222222222222";
const REGION = "eu-west-1";
const records = [];
function arnOf(type, name) {
    const [, mod, kind] = type.split(/[:/]/);
    if (type === "aws:kinesis/stream:Stream") return "arn:aws:kinesis:" + REGION + ":" + ACCOUNT + ":stream/" + name;
    if (type === "aws:kms/key:Key") return "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/" + name;
    if (type === "aws:iam/role:Role") return "arn:aws:iam::" + ACCOUNT + ":role/" + name;
    if (type === "aws:sqs/queue:Queue") return "arn:aws:sqs:" + REGION + ":" + ACCOUNT + ":" + name;
    if (type === "aws:lambda/function:Function") return "arn:aws:lambda:" + REGION + ":" + ACCOUNT + ":function:" + name;
    if (type === "aws:cloudwatch/logGroup:LogGroup") return "arn:aws:logs:" + REGION + ":" + ACCOUNT + ":log-group:" + name;
    if (type === "aws:kinesis/streamConsumer:StreamConsumer") return "arn:aws:kinesis:" + REGION + ":" + ACCOUNT + ":stream/clicks/consumer/" + name + ":1";
    return "arn:aws:" + mod + ":" + REGION + ":" + ACCOUNT + ":" + kind.toLowerCase() + "/" + name;
}
pulumi.runtime.setMocks({
    newResource(a) {
        const name = a.inputs.name || a.name;
        records.push({ type: a.type, name: a.name, inputs: a.inputs });
        return { id: a.name + "-id", state: { ...a.inputs, name, arn: arnOf(a.type, name), keyId: a.name + "-id", url: "https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/" + name } };
    },
    call(a) {
        if (a.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: ACCOUNT, arn: "arn:aws:iam::" + ACCOUNT + ":user/t", userId: "t" };
        if (a.token === "aws:index/getRegion:getRegion") return { name: REGION, region: REGION, id: REGION };
        if (a.token === "aws:index/getPartition:getPartition") return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        return a.inputs;
    },
}, "team-clicks", "test", false);

const archives = [];
pulumi.runtime.runInPulumiStack(async () => {
    // The Lambda code archives as the program built them (the mock engine does not carry asset contents).
    pulumi.runtime.registerStackTransformation((a) => {
        if (a.type === "aws:lambda/function:Function") archives.push({ name: a.name, code: a.props.code });
        return undefined;
    });
    const aws = require("@pulumi/aws");
    const { KinesisStream, StreamConsumer, serviceTrustPolicy } = require("@flightstream/components");
    const provider = new aws.Provider("team", { region: REGION, allowedAccountIds: [ACCOUNT] });
    const stream = new KinesisStream("clicks", { accountId: ACCOUNT, region: REGION, mode: "on-demand", retentionHours: 72 }, { provider });
    const producer = new aws.iam.Role("click-producer", { assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", ACCOUNT) }, { provider });
    stream.grantWrite("click-producer-write", producer);
    new StreamConsumer("route-count", {
        accountId: ACCOUNT,
        region: REGION,
        stream: { streamArn: stream.streamArn, keyArn: stream.keyArn },
        handler: path.join(__dirname, "handlers", "count.ts"),
        batchSize: 200,
    }, { provider });
    return {};
}).then(async () => {
    if (pulumi.runtime.waitForRPCs) await pulumi.runtime.waitForRPCs();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    const resolved = require.resolve("@flightstream/components");
    const code = {};
    for (const { name, code: archive } of archives) {
        const assets = await archive.assets;
        code[name] = { "index.js": await assets["index.js"].text, "index.js.map": await assets["index.js.map"].text };
    }
    process.stdout.write(JSON.stringify({ resolved, records, code }));
}, (e) => { console.error(e && e.stack || e); process.exit(1); });
`;

/** The team's own consumer, TypeScript, written against the packaged framework (bundled by esbuild at deploy time). */
export const HANDLER = `
import { consumerTelemetry, lambdaConsumer } from "@flightstream/components/functions/consumer/lambda";

let instance: ReturnType<typeof lambdaConsumer> | undefined;

export const handler = async (event: Parameters<ReturnType<typeof lambdaConsumer>["handler"]>[0], context?: Parameters<ReturnType<typeof lambdaConsumer>["handler"]>[1]) => {
    if (!instance) {
        const { metrics } = consumerTelemetry();
        instance = lambdaConsumer(async (events) => {
            metrics.addMetric("RouteCountEvents", "Count", events.length);
            return { failed: [] };
        });
    }
    return instance.handler(event, context);
};
`;

/**
 * The same stack as a TypeScript stack would write it, type-checked against the
 * package's declarations (both module resolutions a stack may use: node10
 * through `types`/`typesVersions`, node16 through `exports`). The
 * `@ts-expect-error` line proves the declarations are real types, not `any`.
 */
export const TYPED_STACK = `
import * as aws from "@pulumi/aws";
import { KinesisStream, StreamConsumer, serviceTrustPolicy } from "@flightstream/components";
import { KinesisStream as AreaKinesisStream } from "@flightstream/components/stream";
import { policyDocument } from "@flightstream/components/common/iam";
import type { ConsumerHandler } from "@flightstream/components/functions/consumer/framework";

const stream: KinesisStream = new AreaKinesisStream("clicks", { accountId: "222222222222", region: "eu-west-1", mode: "on-demand" });
const producer = new aws.iam.Role("click-producer", { assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", "222222222222") });
stream.grantWrite("click-producer-write", producer);
new StreamConsumer("route-count", { accountId: "222222222222", stream: { streamArn: stream.streamArn, keyArn: stream.keyArn }, handler: "handlers/count.ts" });
export const handle: ConsumerHandler = async () => ({ failed: [] });
export const doc = policyDocument([]);
// @ts-expect-error accountId must be a string
new KinesisStream("bad", { accountId: 42 });
`;

export function typedStackTsconfig(resolution: "node10" | "node16"): string {
    const mod = resolution === "node16" ? { module: "node16", moduleResolution: "node16" } : { module: "commonjs", moduleResolution: "node" };
    return JSON.stringify({ compilerOptions: { target: "ES2022", ...mod, strict: true, skipLibCheck: true, noEmit: true, types: [] }, files: ["typed-stack.ts", "handlers/count.ts"] });
}
