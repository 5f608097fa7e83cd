/**
 * IngestionService after the split into parts (components/ingestion/settings.ts,
 * vpc.ts, keys.ts, accessLogs.ts, loadBalancer.ts, dns.ts, webAcl.ts, service.ts,
 * autoscaling.ts): every child keeps its name and parent, so a `pulumi up` of the
 * split code replaces nothing. urns.json holds the dev and prod plans' URNs of the
 * component's children (with their parents) as the single-constructor version
 * planned them.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { FARGATE_SIZES, resolveIngestionSettings, type IngestionServiceArgs } from "@flightstream/components/ingestion";
import { planStack } from "../../plan/stack";

const EXPECTED = JSON.parse(fs.readFileSync(path.join(__dirname, "urns.json"), "utf8")) as Record<"dev" | "prod", Record<string, string | null>>;
const COMPONENT = "flightstream:ingestion:IngestionService::";

const args: IngestionServiceArgs = {
    accountId: "111111111111",
    region: "eu-west-1",
    domainName: "ingest.example.com",
    hostedZoneId: "Z0123456789ABCDEFGHIJ",
    streamName: "flights",
    streamArn: "arn:aws:kinesis:eu-west-1:111111111111:stream/flights",
};

describe("IngestionService split into parts", function () {
    this.timeout(300_000);

    for (const stack of ["dev", "prod"] as const) {
        it(`keeps the name and parent of every child in the ${stack} plan`, async () => {
            const plan = await planStack(stack);
            const actual = Object.fromEntries(
                plan.resources
                    .filter((r) => r.urn.startsWith(COMPONENT))
                    .map((r) => [r.urn, r.parentUrn])
                    .sort(([a], [b]) => (a! < b! ? -1 : 1)),
            );
            expect(actual).to.deep.equal(EXPECTED[stack]);
        });
    }

    it("resolves the documented defaults", () => {
        const s = resolveIngestionSettings("ingest", { ...args, vendors: [{ name: "acme" }] });
        expect({
            cpu: s.cpu,
            memoryMiB: s.memoryMiB,
            minTasks: s.minTasks,
            maxTasks: s.maxTasks,
            desiredTasks: s.desiredTasks,
            containerPort: s.containerPort,
            lingerMs: s.lingerMs,
            logRetentionDays: s.logRetentionDays,
            routingPolicy: s.routingPolicy,
        }).to.deep.equal({
            cpu: 256,
            memoryMiB: 512,
            minTasks: 1,
            maxTasks: 2,
            desiredTasks: 1,
            containerPort: 8080,
            lingerMs: 20,
            logRetentionDays: 30,
            routingPolicy: "simple",
        });
        expect(s.vendorHosts).to.deep.equal(["acme.ingest.example.com"]);
        expect(s.azs).to.deep.equal(["eu-west-1a", "eu-west-1b"]);
        expect(s.subnetPlan?.publicCidrs).to.have.length(2);
        expect(FARGATE_SIZES[256]).to.deep.equal([512, 1024, 2048]);
    });

    it("fails when memory does not fit the CPU size, naming the argument, the value and what is allowed", () => {
        expect(() => resolveIngestionSettings("ingest", { ...args, cpu: 256, memoryMiB: 4096 })).to.throw(
            "IngestionService ingest: `memoryMiB` must be a Fargate memory size for 256 CPU units (512 to 2048 MiB: 512, 1024, 2048) (received 4096).",
        );
    });

    it("fails when the log retention is not a CloudWatch retention value", () => {
        expect(() => resolveIngestionSettings("ingest", { ...args, logRetentionDays: 2 })).to.throw(/`logRetentionDays` must be one of CloudWatch Logs' retention periods \(1, 3, 5, 7,.*\(received 2\)/);
    });
});
