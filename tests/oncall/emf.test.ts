import { Metrics } from "@aws-lambda-powertools/metrics";
import { expect } from "chai";
import { createLakeHandler, LAKE_METRICS_NAMESPACE } from "../../functions/lake/handler";
import { LakeDelivery } from "@flightstream/components/lake";
import { EVENTS } from "../lake/fixtures";

/** Runs fn with POWERTOOLS_METRICS_DISABLED unset (the local platform sets it process-wide) and collects stdout lines. */
async function capture(fn: () => Promise<unknown>): Promise<string[]> {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as any).write = (chunk: unknown) => {
        lines.push(
            ...String(chunk)
                .split("\n")
                .filter((l) => l.length > 0),
        );
        return true;
    };
    try {
        await fn();
    } finally {
        (process.stdout as any).write = write;
    }
    return lines;
}

function metricsFor(functionName: string): Metrics {
    const saved = process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    try {
        return new Metrics({ namespace: LAKE_METRICS_NAMESPACE, serviceName: "lake-transform", defaultDimensions: { FunctionName: functionName } });
    } finally {
        if (saved !== undefined) process.env.POWERTOOLS_METRICS_DISABLED = saved;
    }
}

describe("lake transform metrics (what the lake delivery alarms watch)", () => {
    it("emits RecordsFailed with the dimensions the transform-failed-records alarm selects", async () => {
        const good = Buffer.from(JSON.stringify(EVENTS[0])).toString("base64");
        const handler = createLakeHandler({ metrics: metricsFor("prod-lake-delivery-processor") });
        const lines = await capture(() =>
            handler({
                records: [
                    { recordId: "r1", data: Buffer.from("not json").toString("base64") },
                    { recordId: "r2", data: Buffer.from("{}").toString("base64") },
                    { recordId: "r3", data: good },
                ],
            }),
        );
        const emf = lines.map((l) => JSON.parse(l)).filter((o) => o._aws);
        expect(emf).to.have.length(1);
        expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).to.equal("FlightStream/Lake");
        expect([...emf[0]._aws.CloudWatchMetrics[0].Dimensions[0]].sort()).to.deep.equal(["FunctionName", "service"]);
        expect([emf[0].service, emf[0].FunctionName, emf[0].RecordsReceived, emf[0].RecordsFailed]).to.deep.equal(["lake-transform", "prod-lake-delivery-processor", 3, 2]);
    });

    it("the component's metric helper names the handler's namespace, metric and dimensions", async () => {
        const { evaluate, testProvider } = await import("../helpers/pulumi");
        let spec: ReturnType<LakeDelivery["metricTransformFailedRecords"]> | undefined;
        await evaluate(() => {
            const d = new LakeDelivery(
                "lake-delivery",
                {
                    accountId: "111111111111",
                    region: "eu-west-1",
                    streamArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/s",
                    lakeBucketArn: "arn:aws:s3:::lake",
                    lakeKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/k",
                },
                { provider: testProvider() },
            );
            spec = d.metricTransformFailedRecords();
        });
        expect([spec!.namespace, spec!.metricName, Object.keys(spec!.dimensions).sort()]).to.deep.equal([LAKE_METRICS_NAMESPACE, "RecordsFailed", ["FunctionName", "service"]]);
    });
});
