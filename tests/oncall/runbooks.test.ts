import { expect } from "chai";
import { planStack } from "../../plan/stack";
import { ProgramResult } from "../helpers/pulumi";
import { commandsOf, runbookFiles, runbookProblems } from "./runbook-check";

describe("runbooks name only what exists", function () {
    this.timeout(120000);
    let prod: ProgramResult;
    before(async () => {
        prod = await planStack("prod");
    });

    it("every alarm, resource, set identifier, npm command and flag in docs/runbooks exists in the prod plan and the CLIs", () => {
        const files = runbookFiles();
        expect(files.length).to.be.greaterThan(15);
        expect(files.flatMap((f) => commandsOf(f.text)).length).to.be.greaterThan(15);
        expect(runbookProblems(files, prod)).to.deep.equal([]);
    });

    it("fails when a runbook names a made-up alarm, resource, flag, script or set identifier", () => {
        const problems = runbookProblems(
            [
                {
                    file: "made-up.md",
                    text: [
                        "**Alarm:** `<stack>-ingestion-5xx` and `prod-stream-iterator-age` (real).",
                        "Open the dashboard `<stack>-flightstream` and the queue `<stack>-analytics-processor-dead-letters`; `<stack>-<workflow>-executions-failed` is real, `<stack>-<workflow>-executions-lost` is not.",
                        "```sh",
                        "npm run ops -- replay --from 2026-11-22T00:00:00Z --to 2026-11-22T06:00:00Z --target analytics --outputs prod-outputs.json",
                        "npm run ops -- reshard --shards 256 --turbo --outputs prod-outputs.json",
                        "npm run ops -- shift --failover-to eu-central-1-secondary --soak 600 --outputs prod-outputs.json",
                        "npm run capacity -- --tb-per-day 10 --cheap",
                        "npm run capacity -- --tb-per-day 10",
                        "npm run failover -- --region eu-central-1",
                        "npm start -- --demo --rate 50",
                        "npm start -- --demo --turbo",
                        "```",
                        "Size it first: `npm run capacity -- --mb-per-second <peak> --fast`.",
                    ].join("\n"),
                },
            ],
            prod,
        );
        expect(problems).to.deep.equal([
            "made-up.md: prod-ingestion-5xx is neither an alarm nor a resource of the prod plan",
            "made-up.md: prod-analytics-processor-dead-letters is neither an alarm nor a resource of the prod plan",
            "made-up.md: prod-<workflow>-executions-lost is neither an alarm nor a resource of the prod plan",
            "made-up.md: Route 53 set identifier eu-central-1-secondary is not provisioned (prod records: eu-west-1-primary)",
            "made-up.md: `npm run ops -- reshard --shards 256 --turbo --outputs prod-outputs.json`: unknown option `--turbo` (allowed: --shards, --throughput, --outputs, --state-machine-arn, --region, --local, --platform-dir, --no-follow, --json, --help)",
            problems.find((p) => p.includes("--cheap")),
            'made-up.md: `npm run failover -- --region eu-central-1`: npm script "failover" does not exist in package.json',
            problems.find((p) => p.includes("--demo --turbo")),
            problems.find((p) => p.includes("--fast")),
        ]);
        expect(problems.length).to.equal(9);
        expect(problems.find((p) => p.includes("--cheap"))).to.match(/cheap/);
        expect(problems.find((p) => p.includes("--demo --turbo"))).to.include("unknown option `--turbo`");
    });
});
