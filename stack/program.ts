/** The program body shared by `index.ts` (real `pulumi up`) and the offline plan. */
import { loadStackConfig } from "./config";
import { buildPlatform } from "./platform";

export function program(): Record<string, unknown> {
    return buildPlatform(loadStackConfig()).outputs;
}
