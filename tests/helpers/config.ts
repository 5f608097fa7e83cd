/** A stack file's `flightstream:*` keys without the namespace, as parseStackConfig takes them. */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { ConfigError, parseStackConfig } from "../../stack/config";

export function rawStackConfig(stack: string): Record<string, any> {
    const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8"));
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(doc.config)) if (k.startsWith("flightstream:")) out[k.slice("flightstream:".length)] = v;
    return out;
}

/** parseStackConfig's problems for `raw` (the ConfigError's list); throws when the config parses. */
export function configProblems(raw: Record<string, any>, stack = "prod"): string[] {
    try {
        parseStackConfig(raw, stack);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error("expected a ConfigError");
}
