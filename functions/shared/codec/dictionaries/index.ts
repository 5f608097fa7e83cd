/**
 * Preset deflate dictionaries, one per event type, as versioned artifacts in
 * the repository. A frame names its dictionary version (functions/shared/codec/frames.ts);
 * every reader bundles every version, so a new version is deployed to the
 * readers first and only then made the producers' default
 * (LATEST_DICTIONARY_VERSION). Never edit a published version: add v2.
 *
 * v1 was trained by `node -r ./scripts/register.js bench/train-dictionaries.ts`
 * (32 KiB of the generator's events per type, training seed 1, not the bench seed).
 */
import { V1 } from "./v1";

const decoded: Record<number, Record<string, Buffer>> = {
    1: Object.fromEntries(Object.entries(V1).map(([type, text]) => [type, Buffer.from(text, "utf8")])),
};

/** Every dictionary version this build reads: version -> event type -> dictionary bytes. */
export const DICTIONARIES: Readonly<Record<number, Readonly<Record<string, Buffer>>>> = decoded;

/** The version producers write by default. */
export const LATEST_DICTIONARY_VERSION = 1;

/** The dictionary of `type` in `version`, or undefined when that version has none for it. */
export function dictionaryFor(version: number, type: string): Buffer | undefined {
    const v = DICTIONARIES[version];
    return v !== undefined && Object.prototype.hasOwnProperty.call(v, type) ? v[type] : undefined;
}
