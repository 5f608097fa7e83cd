import { expect } from "chai";
import { parseStackConfig } from "../../stack/config";
import { configProblems, rawStackConfig } from "../helpers/config";

const rawConfig = rawStackConfig;

const problems = configProblems;

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("stack config", () => {
    it("parses Pulumi.prod.yaml with distinct accounts, two ponds and prod defaults", () => {
        const c = parseStackConfig(rawConfig("prod"), "prod");
        expect(c.isProd).to.equal(true);
        expect(new Set([c.accounts.ingestion, c.accounts.lake, c.accounts.analytics, ...c.ponds].map((a) => a.accountId)).size).to.equal(5);
        expect(c.ponds.map((p) => p.pond)).to.deep.equal(["revenue", "science"]);
        expect(c.stream).to.deep.equal({ mode: "provisioned", shards: "auto", throughputMBps: 231.5, retentionHours: 48, enhancedFanOut: true, autoReshard: true });
        expect(c.tags).to.deep.equal({ Owner: "data-platform", CostCenter: "CC-4711", DataClassification: "confidential", Project: "flightstream", Environment: "prod" });
        expect(c.analytics.backupRetentionDays).to.equal(14);
    });

    it("parses Pulumi.dev.yaml where several logical accounts share one id", () => {
        const c = parseStackConfig(rawConfig("dev"), "dev");
        expect(c.accounts.ingestion.accountId).to.equal(c.accounts.lake.accountId);
        expect(c.analytics.minAcu).to.equal(0);
        expect(c.stream.shards).to.equal(2);
        expect(c.stream.enhancedFanOut).to.equal(false);
        expect(c.stream.autoReshard).to.equal(false);
    });

    it("parses the prod vendors in config order with their rate limits and dedicated capacity", () => {
        const c = parseStackConfig(rawConfig("prod"), "prod");
        expect(c.ingestion.vendors).to.deep.equal([
            { name: "amadeus", rateLimitPerFiveMinutes: 600000, dedicatedTasks: { minTasks: 2, maxTasks: 20 } },
            { name: "skyscanner", rateLimitPerFiveMinutes: 300000 },
        ]);
        expect(c.ingestion.wafRateLimitPerIp).to.equal(20000);
        expect(parseStackConfig(rawConfig("dev"), "dev").ingestion.vendors).to.deep.equal([]);
    });

    it("fails when a vendor is misnamed, has an unknown key, or dedicated capacity out of order", () => {
        const raw = clone(rawConfig("prod"));
        raw.ingestion.vendors = { Sky_Scanner: {}, amadeus: { rateLimit: 5, dedicatedTasks: { minTasks: 4, maxTasks: 2 } }, kayak: { rateLimitPerFiveMinutes: 10 } };
        expect(problems(raw)).to.deep.equal([
            '`ingestion.vendors.Sky_Scanner` must be named with a lower-case DNS label of 2 to 32 letters, digits or dashes, starting with a letter (received "Sky_Scanner").',
            '`ingestion.vendors.amadeus.rateLimit` must be one of the vendor keys rateLimitPerFiveMinutes, dedicatedTasks (received "rateLimit").',
            "`ingestion.vendors.amadeus.dedicatedTasks.maxTasks` must be at least `ingestion.vendors.amadeus.dedicatedTasks.minTasks` (4) (received 2).",
            "`ingestion.vendors.kayak.rateLimitPerFiveMinutes` must be an integer between 100 and 2000000000 (received 10).",
        ]);
    });

    it("fails when a prod account has no external id for its deploy role", () => {
        const raw = clone(rawConfig("prod"));
        delete raw.accounts.lake.externalId;
        delete raw.ponds.science.externalId;
        expect(problems(raw)).to.deep.equal([
            "`accounts.lake.externalId` is required in prod: the external id the trust policy of the deploy role in account 402345678901 requires (sts:ExternalId) (received undefined).",
            "`ponds.science.externalId` is required in prod: the external id the trust policy of the deploy role in account 405678901234 requires (sts:ExternalId) (received undefined).",
        ]);
        const dev = clone(rawConfig("dev"));
        expect(parseStackConfig(dev, "dev").accounts.lake.externalId).to.equal(undefined);
    });

    it("fails when an account id is malformed", () => {
        const raw = clone(rawConfig("prod"));
        raw.accounts.lake.accountId = "40234567890";
        expect(problems(raw)).to.deep.equal(['`accounts.lake.accountId` must be a 12-digit AWS account id (received "40234567890").']);
    });

    it("fails when prod has no deploy role for an account", () => {
        const raw = clone(rawConfig("prod"));
        delete raw.accounts.analytics.roleArn;
        expect(problems(raw)).to.deep.equal(["`accounts.analytics.roleArn` is required in prod: the deploy role to assume in account 403456789012 (received undefined)."]);
    });

    it("accepts a missing deploy role in dev", () => {
        const raw = clone(rawConfig("dev"));
        delete raw.accounts.analytics.roleArn;
        expect(parseStackConfig(raw, "dev").accounts.analytics.roleArn).to.equal(undefined);
    });

    it("fails when the deploy role is in another account", () => {
        const raw = clone(rawConfig("prod"));
        raw.accounts.ingestion.roleArn = "arn:aws:iam::402345678901:role/flightstream-deploy";
        expect(problems(raw)).to.deep.equal(['`accounts.ingestion.roleArn` must be a role in account 401234567890 (received "arn:aws:iam::402345678901:role/flightstream-deploy", a role in account 402345678901).']);
    });

    it("fails when the shard count is out of range", () => {
        const raw = clone(rawConfig("prod"));
        raw.stream.shards = 0;
        expect(problems(raw)).to.deep.equal(["`stream.shards` must be an integer between 1 and 10000 (received 0)."]);
        raw.stream.shards = 20000;
        expect(problems(raw)).to.deep.equal(["`stream.shards` must be an integer between 1 and 10000 (received 20000)."]);
    });

    it("fails when retention is below 24 hours", () => {
        const raw = clone(rawConfig("prod"));
        raw.stream.retentionHours = 12;
        expect(problems(raw)).to.deep.equal(["`stream.retentionHours` must be an integer between 24 and 8760 (received 12)."]);
    });

    it("fails when shards is auto without a declared throughput", () => {
        const raw = clone(rawConfig("prod"));
        raw.stream.shards = "auto";
        delete raw.stream.throughputMBps;
        expect(problems(raw)).to.deep.equal(['`stream.throughputMBps` is required when `stream.shards` is "auto" (received undefined).']);
    });

    it("fails when the lake names an unknown pond as reader", () => {
        const raw = clone(rawConfig("prod"));
        raw.lake.readers = ["science", "marketing"];
        expect(problems(raw)).to.deep.equal(['`lake.readers[1]` must be the name of a configured pond ("revenue", "science") (received "marketing").']);
    });

    it("fails when a pond asks for an unknown dataset", () => {
        const raw = clone(rawConfig("prod"));
        raw.ponds.revenue.datasets = ["route_demand_daily", "seat_maps"];
        expect(problems(raw)).to.deep.equal(['`ponds.revenue.datasets[1]` must be one of "offer_price_stats_daily", "route_demand_daily" (received "seat_maps").']);
    });

    it("fails when prod reuses an account id", () => {
        const raw = clone(rawConfig("prod"));
        raw.ponds.science.accountId = "404567890123";
        raw.ponds.science.roleArn = "arn:aws:iam::404567890123:role/flightstream-deploy";
        expect(problems(raw)).to.deep.equal(['`ponds.science.accountId` must differ from `ponds.revenue.accountId` in prod: every logical account gets its own AWS account (received "404567890123" for both).']);
    });

    it("fails when prod has fewer than two ponds", () => {
        const raw = clone(rawConfig("prod"));
        delete raw.ponds.science;
        raw.lake.readers = [];
        expect(problems(raw)).to.deep.equal(['`ponds` must be at least two ponds in prod, each in its own account (received ["revenue"]).']);
    });

    it("fails when a required tag is missing", () => {
        const raw = clone(rawConfig("prod"));
        delete raw.tags.CostCenter;
        expect(problems(raw)).to.deep.equal(["`tags.CostCenter` is required: every resource carries the tags Project, Environment, Owner, CostCenter, DataClassification (received undefined)."]);
    });

    it("fails when an unknown logical account is configured", () => {
        const raw = clone(rawConfig("prod"));
        raw.accounts.billing = raw.accounts.lake;
        expect(problems(raw)).to.deep.equal(['`accounts.billing` must be one of the logical accounts "ingestion", "lake", "analytics" (ponds go under `ponds`) (received "billing").']);
    });

    it("fails when prod scales Aurora to zero or inverts the ACU bounds", () => {
        const raw = clone(rawConfig("prod"));
        raw.analytics.minAcu = 0;
        raw.analytics.maxAcu = 0.5;
        expect(problems(raw)).to.deep.equal(["`analytics.maxAcu` must be a number between 1 and 256 (received 0.5).", "`analytics.minAcu` must be at least 0.5 in prod (scale to zero is for dev) (received 0)."]);
    });

    it("fails when weighted routing has no weight or set identifier", () => {
        const raw = clone(rawConfig("dev"));
        raw.ingestion.routingPolicy = "weighted";
        expect(problems(raw, "dev")).to.deep.equal([
            '`ingestion.setIdentifier` is required when `ingestion.routingPolicy` is "weighted" (received undefined).',
            '`ingestion.weight` is required when `ingestion.routingPolicy` is "weighted" (received undefined).',
        ]);
    });

    it("reports every problem at once", () => {
        const raw = clone(rawConfig("prod"));
        raw.environment = "staging";
        raw.stream.shards = -1;
        raw.oncall.pageEmails = ["not-an-email"];
        const p = problems(raw);
        expect(p).to.include('`environment` must be one of "dev", "prod" (received "staging").');
        expect(p).to.include("`stream.shards` must be an integer between 1 and 10000 (received -1).");
        expect(p).to.include('`oncall.pageEmails[0]` must be an e-mail address (received "not-an-email").');
    });

    it("fails when an unknown top-level key is present", () => {
        const raw = clone(rawConfig("dev"));
        raw.streams = {};
        expect(problems(raw, "dev")).to.deep.equal(['`flightstream:streams` must be one of the known keys environment, accounts, ponds, tags, stream, ingestion, analytics, lake, oncall, sources (received "streams").']);
    });
});
