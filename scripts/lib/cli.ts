/**
 * The commands' argument handling: one option table per command, parsed by
 * `node:util` `parseArgs` (strict), with the usage text built from the same
 * table. Every command (scripts/*.ts, local/main.ts, bench/run.ts and its
 * children) follows the same contract:
 *
 *   --help / -h        the usage on stdout, exit 0
 *   unknown option, missing or bad value, unexpected argument
 *                      `<command>: <message naming the option and the value>`,
 *                      a blank line and the usage on stderr, exit 2
 *
 * Pure apart from `runMain` (which sets the process exit code).
 */
import { parseArgs } from "node:util";
import type { FieldName } from "../../functions/shared/range";

export interface OptionSpec {
    readonly type: "string" | "boolean";
    /** One-letter alias (`-s`). */
    readonly short?: string;
    /** The option may be given several times; its value is then a list. @default false */
    readonly multiple?: boolean;
    /** The value's placeholder in the usage (string options). @default "VALUE" */
    readonly value?: string;
    /** One line for the usage. */
    readonly description: string;
    /** The default shown in the usage ("(default X)"); the command applies it. */
    readonly default?: string;
    /** Missing → exit 2 naming the option. @default false */
    readonly required?: boolean;
    /** The allowed values (string options); anything else → exit 2 naming the option, the value and these. */
    readonly choices?: readonly string[];
    /** The input field this option fills, when the command hands its options to a validator that names fields (`fieldNames`: scripts/ops-args.ts, scripts/capacity.ts). */
    readonly field?: string;
}

export interface PositionalSpec {
    readonly name: string;
    readonly description: string;
    /** @default false */
    readonly required?: boolean;
    /** Takes every remaining argument (last positional only). @default false */
    readonly variadic?: boolean;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
    /** The name errors start with: `plan: ...`. */
    readonly name: string;
    /** How it is run, the usage's first words: `npm run plan --`. */
    readonly invocation: string;
    /** The usage line after the invocation, when the table alone cannot say it (alternatives): `(--a N | --b N) [options]`. @default built from the positionals and required options */
    readonly synopsis?: string;
    /** What it does, one or two lines under the usage line. */
    readonly summary?: string;
    /** The options (`--help` is added to every command). */
    readonly options: O;
    /** Positional arguments; none are accepted unless declared. */
    readonly positionals?: readonly PositionalSpec[];
    /** Free text after the option table (examples, exit codes). */
    readonly notes?: string;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean : S["multiple"] extends true ? string[] : string;

/** The parsed values, typed from the option table (absent options are undefined). */
export type Values<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

export type Parsed<O extends Record<string, OptionSpec>> = { readonly help: true } | { readonly help: false; readonly values: Values<O>; readonly positionals: string[] };

/** A bad command line: the runner prints the message and the usage, exit 2. */
export class CliUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CliUsageError";
    }
}

/** Declares a command (keeps the option table's literal types for `Values`). */
export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
    for (const name of Object.keys(spec.options)) {
        if (name === "help") throw new Error(`${spec.name}: \`--help\` is added to every command; do not declare it`);
    }
    const positionals = spec.positionals ?? [];
    positionals.forEach((p, i) => {
        if (p.variadic && i !== positionals.length - 1) throw new Error(`${spec.name}: only the last positional can be variadic (\`${p.name}\`)`);
    });
    return spec;
}

const HELP: OptionSpec = { type: "boolean", short: "h", description: "print this text and exit 0" };

function flagText(name: string, o: OptionSpec): string {
    const short = o.short ? `-${o.short}, ` : "";
    const value = o.type === "string" ? ` ${o.value ?? "VALUE"}` : "";
    return `${short}--${name}${value}`;
}

/** The usage's first line: the invocation, positionals, required options. */
export function synopsis(spec: CommandSpec): string {
    if (spec.synopsis !== undefined) return `usage: ${spec.invocation} ${spec.synopsis}`;
    const parts: string[] = [spec.invocation];
    for (const p of spec.positionals ?? []) {
        const word = `<${p.name}>${p.variadic ? "..." : ""}`;
        parts.push(p.required ? word : `[${word}]`);
    }
    for (const [name, o] of Object.entries(spec.options)) {
        if (!o.required) continue;
        parts.push(`--${name}${o.type === "string" ? ` ${o.choices ? o.choices.join("|") : (o.value ?? "VALUE")}` : ""}`);
    }
    if (Object.values(spec.options).some((o) => !o.required)) parts.push("[options]");
    return `usage: ${parts.join(" ")}`;
}

/** The usage text, built from the option table. */
export function usage(spec: CommandSpec): string {
    const rows: Array<[string, string]> = [];
    for (const p of spec.positionals ?? []) rows.push([`<${p.name}>`, p.description]);
    for (const [name, o] of [...Object.entries(spec.options), ["help", HELP] as const]) {
        const extra = [o.choices ? `one of ${o.choices.join(", ")}` : "", o.default !== undefined ? `default ${o.default}` : "", o.required ? "required" : "", o.multiple ? "repeatable" : ""].filter((s) => s !== "");
        rows.push([flagText(name, o), `${o.description}${extra.length > 0 ? ` (${extra.join("; ")})` : ""}`]);
    }
    const width = Math.min(32, Math.max(...rows.map(([f]) => f.length)) + 2);
    const lines = [synopsis(spec)];
    if (spec.summary) lines.push("", spec.summary);
    lines.push("");
    for (const [f, d] of rows) lines.push(`  ${f.length + 2 > width ? `${f}\n  ${" ".repeat(width)}` : f.padEnd(width)}${d}`);
    if (spec.notes) lines.push("", spec.notes);
    return lines.join("\n");
}

function allowedFlags(spec: CommandSpec): string {
    return [...Object.keys(spec.options), "help"].map((n) => `--${n}`).join(", ");
}

/** Rewords `parseArgs`'s errors in the project's shape (the option, what was received, what is allowed). */
function explain(spec: CommandSpec, err: Error & { code?: string }): string {
    const quoted = /'(?:-\w, )?(-[^' ]+)/.exec(err.message)?.[1];
    switch (err.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
            return `unknown option \`${quoted ?? "?"}\` (allowed: ${allowedFlags(spec)})`;
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            return /argument missing/.test(err.message)
                ? `\`${quoted ?? "?"}\` needs a value`
                : /does not take an argument/.test(err.message)
                  ? `\`${quoted ?? "?"}\` takes no value`
                  : /ambiguous/.test(err.message)
                    ? `\`${quoted ?? "?"}\` needs a value (the next argument is an option; for a value starting with "-" write ${quoted ?? "--option"}=-VALUE)`
                    : err.message;
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(err.message)?.[1] ?? "?")} (this command takes no positional arguments)`;
        default:
            return err.message;
    }
}

/**
 * Parses argv against the table. `{ help: true }` for --help; otherwise the
 * values and positionals. Throws CliUsageError naming the option (or argument)
 * and the value for anything the table does not allow.
 */
export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> {
    const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
    for (const [name, o] of [...Object.entries(spec.options), ["help", HELP] as const]) {
        options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
    }
    const declared = spec.positionals ?? [];
    let parsed: { values: Record<string, unknown>; positionals: string[] };
    try {
        parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: declared.length > 0 }) as typeof parsed;
    } catch (err) {
        throw new CliUsageError(explain(spec, err as Error & { code?: string }));
    }
    if (parsed.values.help === true) return { help: true };
    const values = { ...parsed.values };
    delete values.help;
    for (const [name, o] of Object.entries(spec.options)) {
        const v = values[name];
        if (v === undefined) {
            if (o.required) throw new CliUsageError(`\`--${name}\` is required${o.choices ? ` (one of ${o.choices.join(", ")})` : ""}`);
            continue;
        }
        for (const one of Array.isArray(v) ? v : [v]) {
            if (typeof one !== "string") continue;
            if (one === "") throw new CliUsageError(`\`--${name}\` needs a value (received an empty string)`);
            if (o.choices && !o.choices.includes(one)) throw new CliUsageError(`\`--${name}\` must be one of ${o.choices.join(", ")} (received ${JSON.stringify(one)})`);
        }
    }
    const variadic = declared.length > 0 && declared[declared.length - 1].variadic === true;
    if (!variadic && parsed.positionals.length > declared.length) {
        throw new CliUsageError(
            `unexpected argument ${JSON.stringify(parsed.positionals[declared.length])} (this command takes ${declared.length === 0 ? "no positional arguments" : `only ${declared.map((p) => `<${p.name}>`).join(" ")}`})`,
        );
    }
    declared.forEach((p, i) => {
        if (p.required && parsed.positionals[i] === undefined) throw new CliUsageError(`missing <${p.name}>: ${p.description}`);
    });
    return { help: false, values: values as Values<O>, positionals: parsed.positionals };
}

/**
 * How a validator that names its input's fields (FieldName, functions/shared/range.ts)
 * speaks of them on this command line: a field some option declares (`field`)
 * is named by that option, `--shards` (with `key` after it: `--weights blue`);
 * any other field keeps its own name in backticks.
 */
export function fieldNames(spec: CommandSpec): FieldName {
    const flagOf = new Map<string, string>();
    for (const [flag, o] of Object.entries(spec.options)) if (o.field) flagOf.set(o.field, flag);
    return (field, key) => {
        const flag = flagOf.get(field);
        if (flag === undefined) return `\`${key === undefined ? field : `${field}.${key}`}\``;
        return `\`--${flag}\`${key === undefined ? "" : ` ${key}`}`;
    };
}

/** Throws the usage error the runner turns into exit 2 (for checks after parsing). */
export function usageError(message: string): never {
    throw new CliUsageError(message);
}

export interface NumberRule {
    /** @default false */
    readonly integer?: boolean;
    readonly min?: number;
    readonly max?: number;
    /** `min` itself is not allowed. @default false */
    readonly minExclusive?: boolean;
}

/** Reads a numeric option; a bad value → CliUsageError naming the option, the value and the allowed range. */
export function numberOption(flag: string, raw: string, rule: NumberRule = {}): number {
    const n = Number(raw);
    const kind = rule.integer ? "an integer" : "a number";
    const range =
        rule.min !== undefined && rule.max !== undefined
            ? ` from ${rule.min}${rule.minExclusive ? " (exclusive)" : ""} to ${rule.max}`
            : rule.min !== undefined
              ? ` ${rule.minExclusive ? "greater than" : "of at least"} ${rule.min}`
              : rule.max !== undefined
                ? ` of at most ${rule.max}`
                : "";
    const ok = raw.trim() !== "" && Number.isFinite(n) && (!rule.integer || Number.isInteger(n)) && (rule.min === undefined || (rule.minExclusive ? n > rule.min : n >= rule.min)) && (rule.max === undefined || n <= rule.max);
    if (!ok) throw new CliUsageError(`\`--${flag}\` must be ${kind}${range} (received ${JSON.stringify(raw)})`);
    return n;
}

export interface CliIo {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
}

const CONSOLE: CliIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** The message and usage a bad command line prints (stderr). */
export function usageFailure(spec: CommandSpec, message: string): string {
    return `${spec.name}: ${message}\n\n${usage(spec)}`;
}

/**
 * The parsed values, or the exit code once the usage is printed: --help →
 * stdout, 0; a bad command line → the message and the usage on stderr, 2.
 * (For commands with their own synchronous flow; `runCommand` wraps a body.)
 */
export function parseOrExit<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: readonly string[], io: CliIo = CONSOLE): { values: Values<O>; positionals: string[] } | number {
    try {
        const parsed = parseCommand(spec, argv);
        if (!parsed.help) return { values: parsed.values, positionals: parsed.positionals };
        io.out(usage(spec));
        return 0;
    } catch (err) {
        if (!(err instanceof CliUsageError)) throw err;
        io.err(usageFailure(spec, err.message));
        return 2;
    }
}

/**
 * Parses argv and runs `body` with the values: --help → usage on stdout, 0;
 * a CliUsageError (from parsing or thrown by `body`) → message + usage on
 * stderr, 2; otherwise `body`'s exit code. Other errors propagate.
 */
export async function runCommand<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    argv: readonly string[],
    body: (values: Values<O>, positionals: string[]) => number | void | Promise<number | void>,
    io: CliIo = CONSOLE,
): Promise<number> {
    try {
        const parsed = parseCommand(spec, argv);
        if (parsed.help) {
            io.out(usage(spec));
            return 0;
        }
        return (await body(parsed.values, parsed.positionals)) ?? 0;
    } catch (err) {
        if (err instanceof CliUsageError) {
            io.err(usageFailure(spec, err.message));
            return 2;
        }
        throw err;
    }
}

/**
 * The entry point of a command run as a script: runCommand on process.argv,
 * then exits with its code; any other error → `<name>: message` on stderr and
 * `failureCode` (default 2).
 */
export function runMain<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, body: (values: Values<O>, positionals: string[]) => number | void | Promise<number | void>, failureCode = 2): void {
    runCommand(spec, process.argv.slice(2), body).then(
        (code) => process.exit(code),
        (err) => {
            console.error(`${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(failureCode);
        },
    );
}
