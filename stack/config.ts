/**
 * Typed, validated stack configuration.
 *
 * `parseStackConfig(raw, stack)` is pure (tests feed it fixtures); `loadStackConfig()`
 * reads the `flightstream:*` keys of the running stack. Every error names the key,
 * the value received and what is allowed; all problems are reported at once.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import type { StreamMappingArgs } from "@flightstream/components/stream/mapping";
import { AWS_ACCOUNT_ID } from "@flightstream/components/common/validation";
import { repositoryDatasets } from "../functions/pond-etl/datasets";

export const PROJECT = "flightstream";

export type Environment = "dev" | "prod";
export type LogicalAccount = "ingestion" | "lake" | "analytics";
export const LOGICAL_ACCOUNTS: readonly LogicalAccount[] = ["ingestion", "lake", "analytics"];
/** Datasets a pond may pick: the folders of datasets/ (functions/pond-etl/datasets.ts); adding one adds a name. */
export const POND_DATASETS: readonly string[] = [...repositoryDatasets().keys()];
export type PondDataset = string;
export const ROUTING_POLICIES = ["simple", "weighted", "latency", "failover"] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];
/** Tags every resource must carry; Project and Environment are filled in by the loader. */
export const REQUIRED_TAGS = ["Project", "Environment", "Owner", "CostCenter", "DataClassification"] as const;

export interface AccountConfig {
    /** Logical name: ingestion, lake, analytics or pond-<name>. */
    readonly name: string;
    readonly accountId: string;
    /** Role the deployment assumes in this account (required in prod). */
    readonly roleArn?: string;
    readonly externalId?: string;
    readonly region: string;
}

export interface PondConfig extends AccountConfig {
    /** Pond name (lower-case, used in resource names). */
    readonly pond: string;
    /** Owning team, tagged on the pond's resources. */
    readonly team: string;
    readonly datasets: PondDataset[];
    /** EventBridge Scheduler expression for the pond ETL. */
    readonly schedule: string;
    /** IAM principal ARNs of the owning team allowed to assume the pond reader role. */
    readonly readerPrincipalArns: string[];
}

export interface StreamConfig {
    readonly mode: "provisioned" | "on-demand";
    /** Shard count, or "auto" to size from `throughputMBps` with the capacity planner. */
    readonly shards: number | "auto";
    /** Declared PEAK write throughput (MB/s), used when shards is "auto" (planned with peak factor 1). */
    readonly throughputMBps?: number;
    readonly retentionHours: number;
    /** Enhanced fan-out consumer for the real-time processor. */
    readonly enhancedFanOut: boolean;
    /**
     * The capacity alarms and a scheduled check start the reshard workflow with the planner's target,
     * within the UpdateShardCount budget, notifying on-call (docs/workflows.md#automatic-resharding).
     * Provisioned mode only. @default false in dev, true in prod
     */
    readonly autoReshard: boolean;
}

export interface VendorConfig {
    /** DNS label; the vendor's hostname is `<name>.<ingestion.domainName>`. */
    readonly name: string;
    /** Requests per 5 minutes for the vendor's hostname before WAF blocks it. */
    readonly rateLimitPerFiveMinutes: number;
    /** Own target group and ECS service with this capacity. */
    readonly dedicatedTasks?: { readonly minTasks: number; readonly maxTasks: number };
}

export interface IngestionConfig {
    readonly domainName: string;
    readonly hostedZoneId: string;
    readonly routingPolicy: RoutingPolicy;
    readonly setIdentifier?: string;
    readonly weight?: number;
    readonly failoverRole?: "PRIMARY" | "SECONDARY";
    readonly minTasks: number;
    readonly maxTasks: number;
    readonly desiredTasks: number;
    readonly cpu: number;
    readonly memoryMiB: number;
    readonly vpcCidr: string;
    readonly lingerMs: number;
    /** Vendors with their own hostname, routing and rate limit, in config order. */
    readonly vendors: VendorConfig[];
    /** Requests per 5 minutes from one client IP before WAF blocks it. */
    readonly wafRateLimitPerIp: number;
}

export interface AnalyticsConfig {
    readonly minAcu: number;
    readonly maxAcu: number;
    readonly backupRetentionDays: number;
    readonly batchSize: number;
    readonly batchingWindowSeconds: number;
    readonly parallelizationFactor: number;
    readonly maxRetryAttempts: number;
    readonly maxRecordAgeSeconds: number;
    readonly vpcCidr: string;
    /** Alert delivery (components/analytics/AlertDelivery.ts). */
    readonly alerts: AlertsConfig;
    /** The SageMaker scoring endpoint (components/analytics/ScoringEndpoint.ts). @default - none: the processor scores with the built-in model */
    readonly scoring?: ScoringConfig;
}

export interface AlertsConfig {
    /** Analysts' and on-call addresses subscribed to the alerts topic. @default [] */
    readonly emails: string[];
    /** HTTPS endpoints subscribed (the on-call incident tool). @default [] */
    readonly httpsEndpoints: string[];
    /** SQS queues in other accounts allowed to subscribe to the topic. @default [] */
    readonly crossAccountSubscribers: string[];
    /** EventBridge bus created for alerts. @default - none */
    readonly eventBusName?: string;
}

/** `analytics.scoring`: a SageMaker real-time endpoint for deals and price adjustments. */
export interface ScoringConfig {
    /** Inference image URI in ECR (tag or digest). */
    readonly image: string;
    /** Key of the `.tar.gz` model artifact in the lake bucket (lake account), e.g. models/scoring/sagemaker/model.tar.gz. */
    readonly artifactKey: string;
    /** @default "ml.c6i.large" */
    readonly instanceType: string;
    /** @default 2 in prod, 1 otherwise */
    readonly minInstances: number;
    /** @default 4 */
    readonly maxInstances: number;
    /** Autoscaling target, invocations per instance per minute. @default 1000 */
    readonly targetInvocationsPerInstance: number;
}

export interface LakeConfig {
    readonly bufferSizeMiB: number;
    readonly bufferIntervalSeconds: number;
    readonly archiveTiers: boolean;
    /** Ponds whose reader roles may also read the raw lake. */
    readonly readers: string[];
}

export interface OnCallConfig {
    readonly pageEmails: string[];
    readonly ticketEmails: string[];
    readonly pageHttpsEndpoints: string[];
    /** Records per minute under which the stream counts as stopped (the `traffic-stopped` alarm). @default - no floor alarm */
    readonly trafficFloorRecordsPerMinute?: number;
}

/**
 * `sources.<connector>`: a ScheduledSource (components/sources) polling a source API into the
 * platform's stream. The key names a folder of functions/connectors/ (e.g. `flight-status`).
 */
export interface SourceConfig {
    /** The connector (the key under `sources`). */
    readonly connector: string;
    /** The source API's base URL (https). */
    readonly apiUrl: string;
    /** The events' `source`. @default - the connector's name */
    readonly source?: string;
    /** EventBridge Scheduler expression. @default "rate(30 minutes)" */
    readonly schedule: string;
    /** @default true */
    readonly enabled: boolean;
    /** Intervals without a published event before the `stale` alarm, 2..48. @default 2 */
    readonly staleIntervals: number;
    /** Connector settings (PAGE_LIMIT, MAX_PAGES, SOURCE_QUERY, ...); no secrets. @default {} */
    readonly environment: Record<string, string>;
}

export interface StackConfig {
    readonly stack: string;
    readonly environment: Environment;
    readonly isProd: boolean;
    readonly accounts: Record<LogicalAccount, AccountConfig>;
    readonly ponds: PondConfig[];
    readonly tags: Record<string, string>;
    readonly stream: StreamConfig;
    readonly ingestion: IngestionConfig;
    readonly analytics: AnalyticsConfig;
    readonly lake: LakeConfig;
    readonly oncall: OnCallConfig;
    /** Source connectors by connector name. @default [] */
    readonly sources: SourceConfig[];
}

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SCHEDULE = /^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

function show(v: unknown): string {
    if (v === undefined) return "undefined";
    return JSON.stringify(v);
}

function readScoring(r: Reader, raw: unknown, isProd: boolean): ScoringConfig {
    const sc = r.obj("analytics.scoring", raw);
    const known = new Set(["image", "artifactKey", "instanceType", "minInstances", "maxInstances", "targetInvocationsPerInstance"]);
    for (const k of Object.keys(sc)) if (!known.has(k)) r.problem(`analytics.scoring.${k}`, `absent (known keys: ${[...known].join(", ")})`, sc[k]);
    const minInstances = r.int("analytics.scoring.minInstances", sc.minInstances, 1, 100, isProd ? 2 : 1);
    const maxInstances = r.int("analytics.scoring.maxInstances", sc.maxInstances, 1, 100, Math.max(4, minInstances));
    if (maxInstances < minInstances) r.problem("analytics.scoring.maxInstances", `at least \`analytics.scoring.minInstances\` (${minInstances})`, maxInstances);
    return {
        image: r.str(
            "analytics.scoring.image",
            sc.image,
            /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[a-f0-9]{64})$/,
            "an ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)",
        ),
        artifactKey: r.str("analytics.scoring.artifactKey", sc.artifactKey, /^models\/[A-Za-z0-9!_.*'()/-]+\.tar\.gz$/, "a key under models/ in the lake bucket ending in .tar.gz"),
        instanceType: r.str("analytics.scoring.instanceType", sc.instanceType ?? "ml.c6i.large", /^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'a SageMaker instance type such as "ml.c6i.large"'),
        minInstances,
        maxInstances,
        targetInvocationsPerInstance: r.int("analytics.scoring.targetInvocationsPerInstance", sc.targetInvocationsPerInstance, 1, 100000, 1000),
    };
}

/** Collects problems; each helper returns the value (or a fallback) so parsing continues. */
class Reader {
    readonly problems: string[] = [];
    problem(key: string, allowed: string, value: unknown): void {
        this.problems.push(`\`${key}\` must be ${allowed} (received ${show(value)}).`);
    }
    obj(key: string, v: unknown, required = true): Record<string, unknown> {
        if (v === undefined && !required) return {};
        if (typeof v !== "object" || v === null || Array.isArray(v)) {
            this.problem(key, "an object", v);
            return {};
        }
        return v as Record<string, unknown>;
    }
    str(key: string, v: unknown, re?: RegExp, allowed?: string): string {
        if (typeof v !== "string" || (re && !re.test(v))) {
            this.problem(key, allowed ?? "a string", v);
            return "";
        }
        return v;
    }
    optStr(key: string, v: unknown, re?: RegExp, allowed?: string): string | undefined {
        return v === undefined ? undefined : this.str(key, v, re, allowed);
    }
    int(key: string, v: unknown, min: number, max: number, dflt?: number): number {
        if (v === undefined && dflt !== undefined) return dflt;
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
            this.problem(key, `an integer between ${min} and ${max}`, v);
            return dflt ?? min;
        }
        return v;
    }
    num(key: string, v: unknown, min: number, max: number, dflt?: number): number {
        if (v === undefined && dflt !== undefined) return dflt;
        if (typeof v !== "number" || Number.isNaN(v) || v < min || v > max) {
            this.problem(key, `a number between ${min} and ${max}`, v);
            return dflt ?? min;
        }
        return v;
    }
    bool(key: string, v: unknown, dflt: boolean): boolean {
        if (v === undefined) return dflt;
        if (typeof v !== "boolean") {
            this.problem(key, "true or false", v);
            return dflt;
        }
        return v;
    }
    oneOf<T extends string>(key: string, v: unknown, allowed: readonly T[], dflt?: T): T {
        if (v === undefined && dflt !== undefined) return dflt;
        if (typeof v !== "string" || !allowed.includes(v as T)) {
            this.problem(key, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, v);
            return dflt ?? allowed[0];
        }
        return v as T;
    }
    strList(key: string, v: unknown, re?: RegExp, allowed?: string): string[] {
        if (v === undefined) return [];
        if (!Array.isArray(v)) {
            this.problem(key, "a list", v);
            return [];
        }
        return v.map((x, i) => this.str(`${key}[${i}]`, x, re, allowed));
    }
}

function readAccount(r: Reader, key: string, name: string, raw: unknown, env: Environment): AccountConfig {
    const o = r.obj(key, raw);
    const accountId = r.str(`${key}.accountId`, o.accountId, AWS_ACCOUNT_ID, "a 12-digit AWS account id");
    const region = r.str(`${key}.region`, o.region, REGION, 'an AWS region such as "eu-west-1"');
    let roleArn: string | undefined;
    if (o.roleArn === undefined) {
        if (env === "prod") r.problems.push(`\`${key}.roleArn\` is required in prod: the deploy role to assume in account ${accountId || "?"} (received undefined).`);
    } else {
        roleArn = r.str(`${key}.roleArn`, o.roleArn, ROLE_ARN, "an IAM role ARN (arn:aws:iam::<account-id>:role/<name>)");
        const m = roleArn ? ROLE_ARN.exec(roleArn) : null;
        if (m && accountId && m[2] !== accountId) {
            r.problems.push(`\`${key}.roleArn\` must be a role in account ${accountId} (received ${show(roleArn)}, a role in account ${m[2]}).`);
        }
    }
    const externalId = r.optStr(`${key}.externalId`, o.externalId, /^[\w+=,.@:/-]{2,1224}$/, "2 to 1224 characters of [A-Za-z0-9+=,.@:/_-]");
    if (env === "prod" && o.roleArn !== undefined && o.externalId === undefined) {
        r.problems.push(`\`${key}.externalId\` is required in prod: the external id the trust policy of the deploy role in account ${accountId || "?"} requires (sts:ExternalId) (received undefined).`);
    }
    return { name, accountId, region, roleArn, externalId };
}

/** Parses raw `flightstream:*` config (keys without the namespace) for a stack. */
export function parseStackConfig(raw: Record<string, unknown>, stack: string): StackConfig {
    const r = new Reader();
    const environment = r.oneOf("environment", raw.environment, ["dev", "prod"] as const);
    const isProd = environment === "prod";

    const accRaw = r.obj("accounts", raw.accounts);
    for (const k of Object.keys(accRaw)) {
        if (!LOGICAL_ACCOUNTS.includes(k as LogicalAccount)) {
            r.problem(`accounts.${k}`, `one of the logical accounts ${LOGICAL_ACCOUNTS.map((a) => `"${a}"`).join(", ")} (ponds go under \`ponds\`)`, k);
        }
    }
    const accounts = Object.fromEntries(LOGICAL_ACCOUNTS.map((a) => [a, readAccount(r, `accounts.${a}`, a, accRaw[a], environment)])) as Record<LogicalAccount, AccountConfig>;

    const pondsRaw = r.obj("ponds", raw.ponds);
    const ponds: PondConfig[] = Object.entries(pondsRaw).map(([pond, v]) => {
        const key = `ponds.${pond}`;
        if (!NAME.test(pond)) r.problem(key, "named with 3 to 32 lower-case letters, digits or dashes, starting with a letter", pond);
        const acct = readAccount(r, key, `pond-${pond}`, v, environment);
        const o = r.obj(key, v);
        const datasets = r.strList(`${key}.datasets`, o.datasets) as PondDataset[];
        datasets.forEach((d, i) => {
            if (d && !POND_DATASETS.includes(d)) r.problem(`${key}.datasets[${i}]`, `one of ${POND_DATASETS.map((x) => `"${x}"`).join(", ")}`, d);
        });
        if (Array.isArray(o.datasets) && o.datasets.length === 0) r.problem(`${key}.datasets`, "a non-empty list of datasets", o.datasets);
        if (o.datasets === undefined) r.problem(`${key}.datasets`, "a non-empty list of datasets", undefined);
        return {
            ...acct,
            pond,
            team: r.str(`${key}.team`, o.team, /^.{1,64}$/, "the owning team's name (1 to 64 characters)"),
            datasets,
            schedule: o.schedule === undefined ? "cron(15 2 * * ? *)" : r.str(`${key}.schedule`, o.schedule, SCHEDULE, 'a Scheduler expression such as "cron(15 2 * * ? *)" or "rate(1 hour)"'),
            readerPrincipalArns: r.strList(`${key}.readerPrincipalArns`, o.readerPrincipalArns, /^arn:aws(-[a-z]+)?:iam::\d{12}:(root|role\/.+|user\/.+)$/, "an IAM principal ARN"),
        };
    });
    if (ponds.length === 0) r.problem("ponds", "at least one pond", raw.ponds ?? {});
    if (isProd && ponds.length < 2) r.problem("ponds", "at least two ponds in prod, each in its own account", Object.keys(pondsRaw));

    if (isProd) {
        const seen = new Map<string, string>();
        for (const a of [...LOGICAL_ACCOUNTS.map((n) => accounts[n]), ...ponds]) {
            if (!a.accountId) continue;
            const other = seen.get(a.accountId);
            if (other) {
                r.problems.push(`\`${accountKey(a)}.accountId\` must differ from \`${other}.accountId\` in prod: every logical account gets its own AWS account (received ${show(a.accountId)} for both).`);
            } else {
                seen.set(a.accountId, accountKey(a));
            }
        }
    }

    const tagsRaw = r.obj("tags", raw.tags);
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(tagsRaw)) tags[k] = r.str(`tags.${k}`, v, /^.{1,256}$/, "a tag value of 1 to 256 characters");
    for (const k of REQUIRED_TAGS) {
        if (k === "Project" || k === "Environment") continue;
        if (tagsRaw[k] === undefined) r.problems.push(`\`tags.${k}\` is required: every resource carries the tags ${REQUIRED_TAGS.join(", ")} (received undefined).`);
    }
    tags.Project = PROJECT;
    tags.Environment = environment;

    const s = r.obj("stream", raw.stream, false);
    const mode = r.oneOf("stream.mode", s.mode, ["provisioned", "on-demand"] as const, "provisioned");
    let shards: number | "auto" = isProd ? 128 : 2;
    if (s.shards === "auto") {
        shards = "auto";
        if (s.throughputMBps === undefined) r.problems.push('`stream.throughputMBps` is required when `stream.shards` is "auto" (received undefined).');
    } else if (s.shards !== undefined) {
        shards = r.int("stream.shards", s.shards, 1, 10000);
    }
    if (mode === "on-demand" && s.shards !== undefined) r.problem("stream.shards", 'left unset when `stream.mode` is "on-demand"', s.shards);
    const stream: StreamConfig = {
        mode,
        shards,
        throughputMBps: s.throughputMBps === undefined ? undefined : r.num("stream.throughputMBps", s.throughputMBps, 0.001, 100000),
        retentionHours: r.int("stream.retentionHours", s.retentionHours, 24, 8760, 24),
        enhancedFanOut: r.bool("stream.enhancedFanOut", s.enhancedFanOut, isProd),
        autoReshard: r.bool("stream.autoReshard", s.autoReshard, isProd),
    };
    if (mode === "on-demand" && s.autoReshard === true) r.problem("stream.autoReshard", 'false or unset when `stream.mode` is "on-demand" (on-demand streams scale themselves)', s.autoReshard);

    const i = r.obj("ingestion", raw.ingestion);
    const routingPolicy = r.oneOf("ingestion.routingPolicy", i.routingPolicy, ROUTING_POLICIES, "simple");
    const minTasks = r.int("ingestion.minTasks", i.minTasks, 1, 1000, isProd ? 3 : 1);
    const maxTasks = r.int("ingestion.maxTasks", i.maxTasks, 1, 1000, isProd ? 30 : 2);
    if (maxTasks < minTasks) r.problem("ingestion.maxTasks", `at least \`ingestion.minTasks\` (${minTasks})`, maxTasks);
    const desiredTasks = r.int("ingestion.desiredTasks", i.desiredTasks, minTasks, maxTasks, minTasks);
    const ingestion: IngestionConfig = {
        domainName: r.str("ingestion.domainName", i.domainName, /^([a-z0-9-]+\.)+[a-z]{2,}$/, "a DNS name such as ingest.example.com"),
        hostedZoneId: r.str("ingestion.hostedZoneId", i.hostedZoneId, /^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
        routingPolicy,
        setIdentifier: r.optStr("ingestion.setIdentifier", i.setIdentifier, /^.{1,128}$/),
        weight: i.weight === undefined ? undefined : r.int("ingestion.weight", i.weight, 0, 255),
        failoverRole: i.failoverRole === undefined ? undefined : r.oneOf("ingestion.failoverRole", i.failoverRole, ["PRIMARY", "SECONDARY"] as const),
        minTasks,
        maxTasks,
        desiredTasks,
        cpu: readCpu(r, i.cpu, isProd ? 1024 : 256),
        memoryMiB: r.int("ingestion.memoryMiB", i.memoryMiB, 512, 30720, isProd ? 2048 : 512),
        vpcCidr: r.str("ingestion.vpcCidr", i.vpcCidr ?? "10.10.0.0/16", /^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-2])$/, "an IPv4 CIDR from /16 to /22 (public subnets must hold the ALB)"),
        lingerMs: r.int("ingestion.lingerMs", i.lingerMs, 0, 50, 20),
        vendors: readVendors(r, i.vendors),
        wafRateLimitPerIp: r.int("ingestion.wafRateLimitPerIp", i.wafRateLimitPerIp, 100, 2_000_000_000, 20000),
    };
    if (routingPolicy !== "simple" && ingestion.setIdentifier === undefined) {
        r.problems.push(`\`ingestion.setIdentifier\` is required when \`ingestion.routingPolicy\` is "${routingPolicy}" (received undefined).`);
    }
    if (routingPolicy === "weighted" && ingestion.weight === undefined) r.problems.push('`ingestion.weight` is required when `ingestion.routingPolicy` is "weighted" (received undefined).');
    if (routingPolicy === "failover" && ingestion.failoverRole === undefined) r.problems.push('`ingestion.failoverRole` is required when `ingestion.routingPolicy` is "failover" (received undefined).');

    const an = r.obj("analytics", raw.analytics, false);
    const minAcu = r.num("analytics.minAcu", an.minAcu, 0, 256, isProd ? 2 : 0);
    const maxAcu = r.num("analytics.maxAcu", an.maxAcu, 1, 256, isProd ? 64 : 4);
    if ((minAcu * 2) % 1 !== 0) r.problem("analytics.minAcu", "a multiple of 0.5", minAcu);
    if ((maxAcu * 2) % 1 !== 0) r.problem("analytics.maxAcu", "a multiple of 0.5", maxAcu);
    if (maxAcu < minAcu) r.problem("analytics.maxAcu", `at least \`analytics.minAcu\` (${minAcu})`, maxAcu);
    if (isProd && minAcu === 0) r.problem("analytics.minAcu", "at least 0.5 in prod (scale to zero is for dev)", minAcu);
    const analytics: AnalyticsConfig = {
        minAcu,
        maxAcu,
        backupRetentionDays: r.int("analytics.backupRetentionDays", an.backupRetentionDays, isProd ? 14 : 1, 35, isProd ? 14 : 1),
        batchSize: r.int("analytics.batchSize", an.batchSize, 1, 10000, 500),
        batchingWindowSeconds: r.int("analytics.batchingWindowSeconds", an.batchingWindowSeconds, 0, 300, 1),
        parallelizationFactor: r.int("analytics.parallelizationFactor", an.parallelizationFactor, 1, 10, isProd ? 2 : 1),
        maxRetryAttempts: r.int("analytics.maxRetryAttempts", an.maxRetryAttempts, 0, 10000, 10),
        maxRecordAgeSeconds: r.int("analytics.maxRecordAgeSeconds", an.maxRecordAgeSeconds, 60, 604800, 86400),
        vpcCidr: r.str("analytics.vpcCidr", an.vpcCidr ?? "10.20.0.0/16", /^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/, "an IPv4 CIDR from /16 to /24"),
        alerts: readAlerts(r, an.alerts),
        ...(an.scoring === undefined ? {} : { scoring: readScoring(r, an.scoring, isProd) }),
    };

    const lk = r.obj("lake", raw.lake, false);
    const pondNames = ponds.map((p) => p.pond);
    const readers = r.strList("lake.readers", lk.readers);
    readers.forEach((p, idx) => {
        if (p && !pondNames.includes(p)) r.problem(`lake.readers[${idx}]`, `the name of a configured pond (${pondNames.map((n) => `"${n}"`).join(", ")})`, p);
    });
    const lake: LakeConfig = {
        bufferSizeMiB: r.int("lake.bufferSizeMiB", lk.bufferSizeMiB, 64, 128, 128),
        bufferIntervalSeconds: r.int("lake.bufferIntervalSeconds", lk.bufferIntervalSeconds, 0, 900, isProd ? 300 : 60),
        archiveTiers: r.bool("lake.archiveTiers", lk.archiveTiers, false),
        readers,
    };

    const oc = r.obj("oncall", raw.oncall, false);
    const oncall: OnCallConfig = {
        pageEmails: r.strList("oncall.pageEmails", oc.pageEmails, EMAIL, "an e-mail address"),
        ticketEmails: r.strList("oncall.ticketEmails", oc.ticketEmails, EMAIL, "an e-mail address"),
        pageHttpsEndpoints: r.strList("oncall.pageHttpsEndpoints", oc.pageHttpsEndpoints, /^https:\/\/[^\s]+$/, "an https:// URL"),
        trafficFloorRecordsPerMinute: oc.trafficFloorRecordsPerMinute === undefined ? undefined : r.int("oncall.trafficFloorRecordsPerMinute", oc.trafficFloorRecordsPerMinute, 1, 100_000_000),
    };
    if (isProd && oncall.pageEmails.length + oncall.pageHttpsEndpoints.length === 0) {
        r.problems.push("`oncall.pageEmails` or `oncall.pageHttpsEndpoints` must name at least one destination in prod: pages must reach a person (received none).");
    }

    const sources = readSources(r, raw.sources);

    const known = new Set<string>(CONFIG_KEYS);
    for (const k of Object.keys(raw)) if (!known.has(k)) r.problem(`flightstream:${k}`, `one of the known keys ${[...known].join(", ")}`, k);

    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return { stack, environment, isProd, accounts, ponds, tags, stream, ingestion, analytics, lake, oncall, sources };
}

const VENDOR = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** The `flightstream:*` keys a stack file may set. */
const CONFIG_KEYS = ["environment", "accounts", "ponds", "tags", "stream", "ingestion", "analytics", "lake", "oncall", "sources"] as const;

const CONNECTORS_DIR = path.join(__dirname, "..", "functions", "connectors");
const SOURCE_KEYS = ["apiUrl", "source", "schedule", "enabled", "staleIntervals", "environment"];

function readSources(r: Reader, raw: unknown): SourceConfig[] {
    const o = r.obj("sources", raw, false);
    return Object.entries(o).map(([connector, v]) => {
        const key = `sources.${connector}`;
        if (!/^[a-z][a-z0-9-]{1,40}[a-z0-9]$/.test(connector)) {
            r.problem(key, "named after a connector folder of functions/connectors/ (3 to 42 lower-case letters, digits or dashes)", connector);
        } else if (!fs.existsSync(path.join(CONNECTORS_DIR, connector, "handler.ts"))) {
            const known = fs.readdirSync(CONNECTORS_DIR).filter((d) => fs.existsSync(path.join(CONNECTORS_DIR, d, "handler.ts")));
            r.problem(key, `a connector with functions/connectors/${connector}/handler.ts (known: ${known.map((k) => `"${k}"`).join(", ")})`, connector);
        }
        const so = r.obj(key, v);
        for (const k of Object.keys(so)) if (!SOURCE_KEYS.includes(k)) r.problem(`${key}.${k}`, `one of the source keys ${SOURCE_KEYS.join(", ")}`, k);
        const env = r.obj(`${key}.environment`, so.environment, false);
        const environment: Record<string, string> = {};
        for (const [ek, ev] of Object.entries(env)) {
            if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(ek)) r.problem(`${key}.environment.${ek}`, "named with upper-case letters, digits and underscores", ek);
            environment[ek] = r.str(`${key}.environment.${ek}`, typeof ev === "number" ? String(ev) : ev, undefined, "a string or a number");
        }
        const source = r.optStr(`${key}.source`, so.source, /^[a-z0-9][a-z0-9_.-]{0,127}$/, '1 to 128 lower-case letters, digits, ".", "_" or "-"');
        return {
            connector,
            apiUrl: r.str(`${key}.apiUrl`, so.apiUrl, /^https:\/\/[a-z0-9.-]+(:\d+)?(\/.*)?$/i, 'an https URL such as "https://api.aviationstack.com"'),
            ...(source === undefined ? {} : { source }),
            schedule: r.str(`${key}.schedule`, so.schedule ?? "rate(30 minutes)", SCHEDULE, 'a Scheduler expression such as "rate(30 minutes)" or "cron(0/30 * * * ? *)"'),
            enabled: r.bool(`${key}.enabled`, so.enabled, true),
            staleIntervals: r.int(`${key}.staleIntervals`, so.staleIntervals, 2, 48, 2),
            environment,
        };
    });
}

function readAlerts(r: Reader, raw: unknown): AlertsConfig {
    const al = r.obj("analytics.alerts", raw, false);
    return {
        emails: r.strList("analytics.alerts.emails", al.emails, EMAIL, "an e-mail address"),
        httpsEndpoints: r.strList("analytics.alerts.httpsEndpoints", al.httpsEndpoints, /^https:\/\/[^\s]+$/, "an https:// URL"),
        crossAccountSubscribers: r.strList("analytics.alerts.crossAccountSubscribers", al.crossAccountSubscribers, /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/, "an SQS queue ARN"),
        eventBusName: r.optStr("analytics.alerts.eventBusName", al.eventBusName, /^(?!default$)[A-Za-z0-9._-]{1,256}$/, "1-256 letters, digits, '.', '_' or '-' (not \"default\")"),
    };
}

function readVendors(r: Reader, raw: unknown): VendorConfig[] {
    const o = r.obj("ingestion.vendors", raw, false);
    const vendors = Object.entries(o).map(([name, v]) => {
        const key = `ingestion.vendors.${name}`;
        if (!VENDOR.test(name)) r.problem(key, "named with a lower-case DNS label of 2 to 32 letters, digits or dashes, starting with a letter", name);
        const vo = r.obj(key, v ?? {});
        const known = new Set(["rateLimitPerFiveMinutes", "dedicatedTasks"]);
        for (const k of Object.keys(vo)) if (!known.has(k)) r.problem(`${key}.${k}`, `one of the vendor keys ${[...known].join(", ")}`, k);
        let dedicatedTasks: VendorConfig["dedicatedTasks"];
        if (vo.dedicatedTasks !== undefined) {
            const d = r.obj(`${key}.dedicatedTasks`, vo.dedicatedTasks);
            const minTasks = r.int(`${key}.dedicatedTasks.minTasks`, d.minTasks, 1, 1000);
            const maxTasks = r.int(`${key}.dedicatedTasks.maxTasks`, d.maxTasks, 1, 1000);
            if (maxTasks < minTasks) r.problem(`${key}.dedicatedTasks.maxTasks`, `at least \`${key}.dedicatedTasks.minTasks\` (${minTasks})`, maxTasks);
            dedicatedTasks = { minTasks, maxTasks };
        }
        return { name, rateLimitPerFiveMinutes: r.int(`${key}.rateLimitPerFiveMinutes`, vo.rateLimitPerFiveMinutes, 100, 2_000_000_000, 300000), ...(dedicatedTasks ? { dedicatedTasks } : {}) };
    });
    if (vendors.length > 20) r.problem("ingestion.vendors", "at most 20 vendors", Object.keys(o));
    return vendors;
}

function readCpu(r: Reader, v: unknown, dflt: number): number {
    if (v === undefined) return dflt;
    const allowed = [256, 512, 1024, 2048, 4096];
    if (typeof v !== "number" || !allowed.includes(v)) {
        r.problem("ingestion.cpu", `one of the Fargate CPU sizes ${allowed.join(", ")}`, v);
        return dflt;
    }
    return v;
}

function accountKey(a: AccountConfig): string {
    return a.name.startsWith("pond-") ? `ponds.${a.name.slice(5)}` : `accounts.${a.name}`;
}

/** Reads and validates the running stack's `flightstream:*` configuration. */
export function loadStackConfig(): StackConfig {
    const cfg = new pulumi.Config(PROJECT);
    const keys = CONFIG_KEYS;
    const raw: Record<string, unknown> = {};
    for (const k of keys) {
        const v = k === "environment" ? cfg.get(k) : cfg.getObject<unknown>(k);
        if (v !== undefined) raw[k] = v;
    }
    return parseStackConfig(raw, pulumi.getStack());
}

/**
 * Reads and validates a stack file (`Pulumi.<stack>.yaml`) the way `loadStackConfig` reads the running
 * stack's config: the `flightstream:*` keys, without the namespace, through `parseStackConfig`. The local
 * platform mirrors the dev stack with it.
 */
export function readStackConfigFile(file: string, stack: string): StackConfig {
    const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config ?? {})) if (k.startsWith(`${PROJECT}:`)) raw[k.slice(PROJECT.length + 1)] = v;
    return parseStackConfig(raw, stack);
}

/** The stream processor's event source mapping arguments (StreamProcessor in stack/analytics.ts; the local platform's processor mapping). */
export function processorMappingArgs(c: StackConfig): StreamMappingArgs {
    const a = c.analytics;
    return { batchSize: a.batchSize, batchingWindowSeconds: a.batchingWindowSeconds, parallelizationFactor: a.parallelizationFactor, maxRetryAttempts: a.maxRetryAttempts, maxRecordAgeSeconds: a.maxRecordAgeSeconds };
}

/** A declared consumer's event source mapping arguments (StreamConsumer in stack/consumers.ts; local/consumers.ts). */
export function consumerMappingArgs(c: StackConfig, batchSize: number | undefined): StreamMappingArgs {
    const a = c.analytics;
    return { batchSize, maxRetryAttempts: a.maxRetryAttempts, maxRecordAgeSeconds: a.maxRecordAgeSeconds, parallelizationFactor: a.parallelizationFactor };
}

/** All accounts (logical + ponds) in a stable order. */
export function allAccounts(c: StackConfig): AccountConfig[] {
    return [c.accounts.ingestion, c.accounts.lake, c.accounts.analytics, ...c.ponds];
}
