/** A stack file's `flightstream:*` keys without the namespace, as parseStackConfig takes them. */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";

export function rawStackConfig(stack: string): Record<string, any> {
    const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8"));
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(doc.config)) if (k.startsWith("flightstream:")) out[k.slice("flightstream:".length)] = v;
    return out;
}
