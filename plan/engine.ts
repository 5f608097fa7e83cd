/**
 * Evaluates a Pulumi program with Pulumi's mock engine (no AWS, no Pulumi CLI)
 * and returns every resource it would register, with its type, logical name,
 * parent, account, region, inputs and options. Used by `npm run plan`,
 * `npm run policy` and the unit tests.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { PlanMocks, ProviderInfo, StackReferenceOutputs } from "./mocks";

export interface PlannedResource {
    /** Unique within a plan: type + parent chain + name. */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Logical name of the parent resource (null for top-level resources). */
    readonly parent: string | null;
    readonly parentUrn: string | null;
    /** AWS account id the resource lands in (components: the account of their children, or "multiple"). */
    readonly account: string | null;
    /** Logical account (ingestion, lake, analytics, pond-<name>). */
    readonly accountName: string | null;
    readonly region: string | null;
    readonly custom: boolean;
    readonly inputs: Record<string, any>;
    /** Outputs the mocks synthesized (ids, ARNs). */
    readonly outputs: Record<string, any>;
    /** Logical name of the provider resource used, if any. */
    readonly provider: string | null;
    /** Provider default tags that apply to this resource. */
    readonly defaultTags: Record<string, string>;
    readonly protect: boolean;
    /** Properties the resource's `ignoreChanges` option names. */
    readonly ignoreChanges?: readonly string[];
}

export interface ProgramResult {
    readonly project: string;
    readonly stack: string;
    readonly resources: PlannedResource[];
    readonly providers: ProviderInfo[];
    readonly outputs: Record<string, unknown>;
}

export interface EvaluateOptions {
    readonly project: string;
    readonly stack: string;
    /** Config as in a stack file: `{"ns:key": value}`; non-strings are JSON-encoded like the CLI does. */
    readonly config: Record<string, unknown>;
    /** Outputs of the stacks the program reads through StackReference, by stack name. @default {} (a StackReference fails, naming its stack) */
    readonly stackReferences?: StackReferenceOutputs;
}

let running = false;

/** Runs `program` under mocks; the program's return value becomes the stack outputs. */
export async function evaluateProgram(program: () => unknown, opts: EvaluateOptions): Promise<ProgramResult> {
    if (running) throw new Error("evaluateProgram: another program is being evaluated in this process; await it first.");
    running = true;
    const mocks = new PlanMocks(opts.stackReferences);
    const seen: { resource: pulumi.Resource; type: string; name: string; parent?: pulumi.Resource; protect: boolean; ignoreChanges: string[] }[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    // Pulumi captures `new Error().stack` for every promise and resource (leak
    // diagnostics, source positions). Under ts-node each capture is source-mapped,
    // which dominates evaluation time; V8's own formatting is enough here.
    const prepareStackTrace = Error.prepareStackTrace;
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    try {
        pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(opts.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
        await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, false);
        let outputs: Record<string, unknown> = {};
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                seen.push({ resource: args.resource, type: args.type, name: args.name, parent: args.opts.parent, protect: !!args.opts.protect, ignoreChanges: [...(args.opts.ignoreChanges ?? [])] });
                return undefined;
            });
            const result = await program();
            outputs = (result && typeof result === "object" ? result : {}) as Record<string, unknown>;
            return outputs;
        });
        await (pulumi.runtime as any).waitForRPCs?.();
        // Let queued output resolutions settle.
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        if (unhandled.length > 0) throw unhandled[0];
        const resolvedOutputs = await resolveOutputs(outputs);
        return { project: opts.project, stack: opts.stack, resources: join(seen, mocks), providers: [...mocks.providersById.values()], outputs: resolvedOutputs };
    } finally {
        Error.prepareStackTrace = prepareStackTrace;
        process.off("unhandledRejection", onUnhandled);
        running = false;
    }
}

async function resolveOutputs(o: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as Record<string, unknown>)));
}

function join(seen: { resource: pulumi.Resource; type: string; name: string; parent?: pulumi.Resource; protect: boolean; ignoreChanges: string[] }[], mocks: PlanMocks): PlannedResource[] {
    // Mock records arrive in registration order; match them to transformation records by type+name.
    const queues = new Map<string, typeof mocks.records>();
    for (const r of mocks.records) {
        const k = `${r.type}\u0000${r.name}`;
        if (!queues.has(k)) queues.set(k, []);
        queues.get(k)!.push(r);
    }
    const byResource = new Map<pulumi.Resource, { urn: string; name: string }>();
    const out: PlannedResource[] = [];
    for (const s of seen) {
        if (s.type === "pulumi:pulumi:Stack") continue;
        const rec = queues.get(`${s.type}\u0000${s.name}`)?.shift();
        const parentInfo = s.parent ? byResource.get(s.parent) : undefined;
        const urn = parentInfo ? `${parentInfo.urn}$${s.type}::${s.name}` : `${s.type}::${s.name}`;
        byResource.set(s.resource, { urn, name: s.name });
        const prov = rec?.provider;
        out.push({
            urn,
            type: s.type,
            name: s.name,
            parent: parentInfo?.name ?? null,
            parentUrn: parentInfo?.urn ?? null,
            account: prov?.accountId ?? null,
            accountName: prov ? accountNameOf(prov) : null,
            region: prov?.region ?? null,
            custom: rec?.custom ?? !(s.resource instanceof pulumi.ComponentResource),
            inputs: rec?.inputs ?? {},
            outputs: rec?.state ?? {},
            provider: prov && !s.type.startsWith("pulumi:providers:") ? prov.name : null,
            defaultTags: prov?.defaultTags ?? {},
            protect: s.protect,
            ignoreChanges: s.ignoreChanges,
        });
    }
    // Components take the account of their descendants.
    const children = new Map<string, PlannedResource[]>();
    for (const r of out) if (r.parentUrn) (children.get(r.parentUrn) ?? children.set(r.parentUrn, []).get(r.parentUrn)!).push(r);
    const accountOf = (r: PlannedResource): { account: string | null; accountName: string | null; region: string | null } => {
        if (r.custom) return { account: r.account, accountName: r.accountName, region: r.region };
        const found = (children.get(r.urn) ?? []).map(accountOf).filter((a) => a.account !== null);
        const ids = new Set(found.map((a) => a.account));
        const names = new Set(found.map((a) => a.accountName));
        if (ids.size === 0) return { account: null, accountName: null, region: null };
        if (ids.size === 1 && names.size === 1) return found[0];
        return { account: ids.size === 1 ? found[0].account : "multiple", accountName: "multiple", region: found[0].region };
    };
    const placed = out.map((r) => (r.custom ? r : { ...r, ...accountOf(r) }));
    // Resources of other providers (e.g. docker-build's image, pushed to the
    // ingestion account's ECR) take the account of their nearest placed ancestor.
    const byUrn = new Map(placed.map((r) => [r.urn, r]));
    return placed.map((r) => {
        if (r.account !== null || r.type.startsWith("pulumi:providers:")) return r;
        let p = r.parentUrn ? byUrn.get(r.parentUrn) : undefined;
        while (p && p.account === null) p = p.parentUrn ? byUrn.get(p.parentUrn) : undefined;
        return p ? { ...r, account: p.account, accountName: p.accountName, region: p.region } : r;
    });
}

/** Logical account of a provider: the `Account` default tag the stack's providers carry. */
function accountNameOf(p: ProviderInfo): string | null {
    return p.defaultTags.Account ?? null;
}

/** Reads `Pulumi.<stack>.yaml` next to `Pulumi.yaml` and returns its `config` map. */
export function readStackConfigFile(stack: string, dir = path.join(__dirname, "..")): Record<string, unknown> {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const stacks = fs
            .readdirSync(dir)
            .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
            .map((f) => f.split(".")[1]);
        throw new Error(`No stack file for stack "${stack}" (expected ${file}); known stacks: ${stacks.join(", ") || "none"}.`);
    }
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    return (doc.config ?? {}) as Record<string, unknown>;
}

/** Project name from Pulumi.yaml. */
export function readProjectName(dir = path.join(__dirname, "..")): string {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
    return doc.name;
}
