/**
 * Per-stack policy-pack config: `policies/stacks/<stack>.json`, in the
 * `pulumi preview --policy-pack-config` format (per rule a level, or
 * {enforcementLevel, ...rule config}; "all" for every rule). The offline plan
 * reads it for its stack; with Pulumi pass the same file:
 * `pulumi preview --policy-pack policies --policy-pack-config policies/stacks/prod.json`.
 */
import * as fs from "fs";
import * as path from "path";
import type { PolicyConfig } from "./offline";

export const STACKS_DIR = path.join(__dirname, "stacks");

/** The stack's config, or {} when the stack has no file; throws naming the file when it is not a JSON object. */
export function stackPolicyConfig(stack: string, dir: string = STACKS_DIR): PolicyConfig {
    const file = path.join(dir, `${stack}.json`);
    if (!fs.existsSync(file)) return {};
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`policy config ${path.relative(process.cwd(), file)}: not valid JSON (${(e as Error).message}).`, { cause: e });
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
        throw new Error(`policy config ${path.relative(process.cwd(), file)}: expected a JSON object of rule ids to levels or settings (received ${JSON.stringify(doc)}).`);
    }
    return doc as PolicyConfig;
}
