/**
 * npm run policy -- --program <path> [--stack NAME] [--config FILE] [--policy-config FILE] [--json FILE]
 *
 * Runs the flightstream policy pack against any Pulumi TypeScript program
 * without deploying: the program file is evaluated under the offline mock engine
 * (plan/engine.ts; its exports become stack outputs), then every rule runs over
 * the resources it registered (policies/offline.ts).
 *
 * Options: `npm run policy -- --help` (the table is POLICY_COMMAND below).
 *
 * Exit status: 0 no mandatory violation, 1 mandatory violations, 2 bad usage or a failing program.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { evaluateProgram, ProgramResult } from "../plan/engine";
import type { Exemption, Violation } from "../plan/report";
import { OfflineResult, PolicyConfig, runPackOffline } from "../policies/offline";
import { defineCommand, runMain, usageError, type Values } from "./lib/cli";

export interface CheckProgramOptions {
    readonly stack?: string;
    /** Stack config map (`{"ns:key": value}`); overrides configFile. */
    readonly config?: Record<string, unknown>;
    /** Path of a Pulumi.<stack>.yaml to read config from. */
    readonly configFile?: string;
    readonly project?: string;
    readonly policyConfig?: PolicyConfig;
    /** Clock for exemption expiry. */
    readonly now?: Date;
}

export interface CheckProgramResult extends OfflineResult {
    readonly result: ProgramResult;
}

/** Finds the Pulumi.yaml governing a program file (its folder or an ancestor). */
function findProjectDir(file: string): string | undefined {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) return undefined;
    }
}

function readConfigFile(file: string): Record<string, unknown> {
    if (!fs.existsSync(file)) throw new Error(`--config: file "${file}" does not exist.`);
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    if (typeof doc !== "object" || (doc.config !== undefined && typeof doc.config !== "object")) {
        throw new Error(`--config: "${file}" is not a stack config file (expected a YAML map with a "config" map).`);
    }
    return (doc.config ?? {}) as Record<string, unknown>;
}

/** Evaluates `programPath` under mocks and runs the pack over what it registers. */
export async function checkProgram(programPath: string, opts: CheckProgramOptions = {}): Promise<CheckProgramResult> {
    const file = path.resolve(programPath);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        throw new Error(`--program: "${programPath}" does not exist or is not a file (resolved to ${file}); pass the program's entry file, e.g. --program index.ts.`);
    }
    const stack = opts.stack ?? "dev";
    const projectDir = findProjectDir(file);
    let project = opts.project;
    if (!project && projectDir) project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"))?.name;
    let config = opts.config;
    if (!config && opts.configFile) config = readConfigFile(opts.configFile);
    if (!config && projectDir && fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`))) config = readConfigFile(path.join(projectDir, `Pulumi.${stack}.yaml`));
    const program = async () => {
        delete require.cache[require.resolve(file)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the pack afresh (cache entry deleted above)
        const mod = require(file);
        const entry = typeof mod === "function" ? mod : typeof mod?.default === "function" && Object.keys(mod).length === 1 ? mod.default : undefined;
        return entry ? await entry() : mod;
    };
    const result = await evaluateProgram(program, { project: project ?? "program", stack, config: config ?? {} });
    const checked = await runPackOffline(result, { config: opts.policyConfig, now: opts.now });
    return { result, ...checked };
}

export function formatFindings(violations: Violation[], exemptions: Exemption[], expired: Exemption[] = []): string[] {
    const lines: string[] = [];
    if (violations.length === 0) lines.push("policy: no violations");
    for (const v of violations) lines.push(`policy ${v.level.toUpperCase()} [${v.policy}] ${v.resource}: ${v.message}`);
    for (const e of exemptions) lines.push(`policy EXEMPT [${e.policy}] ${e.resource}: ${e.reason} (until ${e.expires})`);
    for (const e of expired) lines.push(`policy EXPIRED EXEMPTION [${e.policy}] ${e.resource}: ${e.reason} (expired on ${e.expires}; reported as a violation above)`);
    return lines;
}

export const POLICY_COMMAND = defineCommand({
    name: "policy",
    invocation: "npm run policy --",
    summary: "Runs the CrossGuard policy pack over any Pulumi TypeScript program under the mock engine.\nExit 0: no mandatory violation; 1: mandatory violations; 2: bad options or a failing program.",
    options: {
        program: { type: "string", required: true, value: "PATH", description: "the program's entry file (.ts or .js)" },
        stack: { type: "string", value: "NAME", default: "dev", description: "the stack name the program sees" },
        config: { type: "string", value: "FILE", default: "Pulumi.<stack>.yaml next to the program's Pulumi.yaml", description: "stack config YAML (Pulumi.<stack>.yaml format)" },
        project: { type: "string", value: "NAME", default: 'the program\'s Pulumi.yaml, else "program"', description: "the project name" },
        "policy-config": { type: "string", value: "FILE", description: "JSON in `pulumi preview --policy-pack-config` format (levels and rule config)" },
        json: { type: "string", value: "FILE", description: "write {violations, exemptions, expiredExemptions} to FILE" },
    },
});

async function policy(values: Values<typeof POLICY_COMMAND.options>): Promise<number> {
    const opt = { program: values.program!, stack: values.stack, config: values.config, project: values.project, policyConfig: values["policy-config"], json: values.json };
    let policyConfig: PolicyConfig | undefined;
    if (opt.policyConfig) {
        if (!fs.existsSync(opt.policyConfig)) usageError(`\`--policy-config\`: file ${JSON.stringify(opt.policyConfig)} does not exist`);
        try {
            policyConfig = JSON.parse(fs.readFileSync(opt.policyConfig, "utf8"));
        } catch (e) {
            usageError(`\`--policy-config\`: ${JSON.stringify(opt.policyConfig)} is not valid JSON (${(e as Error).message})`);
        }
    }
    const { result, violations, exemptions, expiredExemptions } = await checkProgram(opt.program, { stack: opt.stack, configFile: opt.config, project: opt.project, policyConfig });
    const custom = result.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length;
    console.log(`policy: ${custom} resources in ${opt.program} (stack ${result.stack})`);
    for (const l of formatFindings(violations, exemptions, expiredExemptions)) console.log(l);
    if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ violations, exemptions, expiredExemptions }, null, 2));
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    if (mandatory > 0) {
        console.error(`policy: ${mandatory} mandatory policy violation(s)`);
        return 1;
    }
    return 0;
}

if (require.main === module) runMain(POLICY_COMMAND, policy);
