import { expect } from "chai";
import { ConfigError, parseStackConfig } from "../../stack/config";
import { planStack } from "../../plan/stack";
import { ProgramResult } from "../helpers/pulumi";
import { rawStackConfig } from "../helpers/config";

const byName = (r: ProgramResult, type: string, name: string) => {
    const found = r.resources.filter((x) => x.type === type && x.name === name);
    expect(
        found.map((x) => x.name),
        `${type} ${name}`,
    ).to.deep.equal([name]);
    return found[0];
};

function dashboardWidgets(r: ProgramResult): { title: string; metrics: unknown[][] }[] {
    const d = r.resources.filter((x) => x.type === "aws:cloudwatch/dashboard:Dashboard");
    expect(d.length).to.equal(1);
    return JSON.parse(d[0].inputs.dashboardBody)
        .widgets.filter((w: any) => w.type === "metric")
        .map((w: any) => ({ title: w.properties.title, metrics: w.properties.metrics }));
}

for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} plan: the flight-status source from \`flightstream:sources\``, function () {
        this.timeout(180000);
        let r: ProgramResult;
        before(async () => {
            r = await planStack(stack);
        });

        it("schedules the flight-status connector every 30 minutes in the ingestion account, writing the platform stream", () => {
            const ingestionAccount = rawStackConfig(stack).accounts.ingestion.accountId;
            const fn = byName(r, "aws:lambda/function:Function", "flight-status-source");
            const schedule = byName(r, "aws:scheduler/schedule:Schedule", "flight-status-source-schedule");
            const stream = byName(r, "aws:kinesis/stream:Stream", "stream");
            expect(fn.account).to.equal(ingestionAccount);
            expect(schedule.account).to.equal(ingestionAccount);
            expect(schedule.inputs.scheduleExpression).to.equal("rate(30 minutes)");
            expect(schedule.inputs.state).to.equal("ENABLED");
            expect(schedule.inputs.target.arn).to.equal(fn.outputs.arn);
            const vars = fn.inputs.environment.variables;
            expect(vars.STREAM_NAME).to.equal(stream.outputs.name);
            expect(vars.SOURCE).to.equal("aviationstack");
            expect(vars.CONNECTOR).to.equal("flight-status");
            expect(vars.SOURCE_API_URL).to.equal("https://api.aviationstack.com");
            expect(vars.PAGE_LIMIT).to.equal("100");
            expect(vars.MAX_PAGES).to.equal(stack === "prod" ? "50" : "5");
        });

        it("its alarms (errors, dead-letters, stale) ticket the ingestion account's on-call", () => {
            const alarms = r.resources.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && x.inputs.name?.startsWith(`${stack}-flight-status-source-`));
            expect(alarms.map((a) => a.inputs.name).sort()).to.deep.equal([`${stack}-flight-status-source-dead-letters`, `${stack}-flight-status-source-errors`, `${stack}-flight-status-source-stale`]);
            const ticket = byName(r, "aws:sns/topic:Topic", "oncall-ingestion-ticket").outputs.arn;
            for (const a of alarms) expect(a.inputs.alarmActions, a.inputs.name).to.deep.equal([ticket]);
        });

        it("exports the source's function, schedule, secret and dead-letter queue", () => {
            const sources = r.outputs.sources as Record<string, Record<string, unknown>>;
            expect(Object.keys(sources)).to.deep.equal(["flight-status"]);
            expect(sources["flight-status"].function).to.equal(byName(r, "aws:lambda/function:Function", "flight-status-source").outputs.name);
            expect(sources["flight-status"].apiKeySecretArn).to.equal(byName(r, "aws:secretsmanager/secret:Secret", "flight-status-source-api-key").outputs.arn);
        });

        it("the dashboard shows every stream consumer (StreamConsumer.widgets()), the derived stream and the source", () => {
            const titles = dashboardWidgets(r).map((w) => w.title);
            for (const c of ["clean-writer", "clean-stats"]) {
                expect(titles.filter((t) => t.startsWith(`${c}: `)).length, c).to.be.greaterThan(2);
            }
            expect(titles).to.include.members(["Derived stream clean: incoming records per minute", "Source flight-status: events published / skipped", "Source flight-status: errors / dead letters"]);
            const fn = byName(r, "aws:lambda/function:Function", "clean-writer").outputs.name;
            const iterator = dashboardWidgets(r).find((w) => w.title === "clean-writer: iterator age")!;
            expect(JSON.stringify(iterator.metrics)).to.contain(JSON.stringify(fn));
        });
    });
}

describe("`flightstream:sources` config", () => {
    const base = () => rawStackConfig("dev");

    it("reads the dev stack's flight-status source with its defaults", () => {
        expect(parseStackConfig(base(), "dev").sources).to.deep.equal([
            {
                connector: "flight-status",
                apiUrl: "https://api.aviationstack.com",
                source: "aviationstack",
                schedule: "rate(30 minutes)",
                enabled: true,
                staleIntervals: 2,
                environment: { PAGE_LIMIT: "100", MAX_PAGES: "5" },
            },
        ]);
    });

    it("has no sources when the key is absent", () => {
        const raw = base();
        delete raw.sources;
        expect(parseStackConfig(raw, "dev").sources).to.deep.equal([]);
    });

    const problems = (sources: unknown): string[] => {
        try {
            parseStackConfig({ ...base(), sources }, "dev");
        } catch (e) {
            if (e instanceof ConfigError) return e.problems;
            throw e;
        }
        return [];
    };

    it("fails when the connector has no folder under functions/connectors/", () => {
        expect(problems({ "flight-stats": { apiUrl: "https://x.example.com" } })).to.deep.equal([
            '`sources.flight-stats` must be a connector with functions/connectors/flight-stats/handler.ts (known: "flight-status") (received "flight-stats").',
        ]);
    });

    it("fails when the API URL is not https, the schedule is not a Scheduler expression, or a key is unknown", () => {
        expect(problems({ "flight-status": { apiUrl: "http://api.aviationstack.com", schedule: "every 30 minutes", pollEvery: 3 } })).to.deep.equal([
            '`sources.flight-status.pollEvery` must be one of the source keys apiUrl, source, schedule, enabled, staleIntervals, environment (received "pollEvery").',
            '`sources.flight-status.apiUrl` must be an https URL such as "https://api.aviationstack.com" (received "http://api.aviationstack.com").',
            '`sources.flight-status.schedule` must be a Scheduler expression such as "rate(30 minutes)" or "cron(0/30 * * * ? *)" (received "every 30 minutes").',
        ]);
    });

    it("fails when a connector setting is not a string or number, or staleIntervals is out of range", () => {
        expect(problems({ "flight-status": { apiUrl: "https://api.aviationstack.com", staleIntervals: 1, environment: { PAGE_LIMIT: true } } })).to.deep.equal([
            "`sources.flight-status.environment.PAGE_LIMIT` must be a string or a number (received true).",
            "`sources.flight-status.staleIntervals` must be an integer between 2 and 48 (received 1).",
        ]);
    });
});
