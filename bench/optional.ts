/**
 * Loads a project module that another engineer may not have landed yet; when
 * it is missing, the figures that need it are reported as "not measured"
 * instead of failing the whole run. The types are declared by the caller (a
 * minimal view of the module's API), so the harness type-checks either way.
 */
import * as fs from "fs";
import * as path from "path";
import { notMeasured, type NotMeasured } from "./stats";

const REPO = path.resolve(__dirname, "..");

/** `relPath` is relative to the repository root, without extension ("functions/processor/decode"). */
export function optionalModule<T>(relPath: string): T | NotMeasured {
    const file = path.join(REPO, relPath);
    if (![".ts", ".js", "/index.ts"].some((ext) => fs.existsSync(file + ext))) {
        return notMeasured(`${relPath} is not in this checkout`);
    }
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file) as T;
    } catch (err) {
        return notMeasured(`${relPath} failed to load: ${(err as Error).message.split("\n")[0]}`);
    }
}

export function isLoaded<T>(m: T | NotMeasured): m is T {
    return !(typeof m === "object" && m !== null && "notMeasured" in (m as object));
}
