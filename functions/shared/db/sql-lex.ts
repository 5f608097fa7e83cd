/**
 * The one SQL lexer of the repository (PostgreSQL's lexical rules, as far as
 * statement splitting and placeholder rewriting need them). It cuts a text into
 * segments: code, '...' strings (with '' escapes; E'...' strings also take
 * backslash escapes), "..." quoted identifiers, -- line comments, nested
 * /* *\/ block comments and $tag$...$tag$ dollar-quoted bodies (a `$` right
 * after a name character is part of the name, not a quote).
 *
 * Used by `splitSqlStatements` (migrations, split per Data API call: strict,
 * an unterminated quote or comment throws) and the local Data API's `:name`
 * rewriting (lenient, as the service: an unterminated part runs to the end and
 * PostgreSQL reports it). Pure: no I/O.
 */

export type SqlSegmentKind = "code" | "string" | "quoted-identifier" | "line-comment" | "block-comment" | "dollar-quoted";

export interface SqlSegment {
    readonly kind: SqlSegmentKind;
    /** Offset of the first character. */
    readonly start: number;
    /** Offset after the last character. */
    readonly end: number;
}

export interface LexOptions {
    /** Throw on an unterminated string, identifier, comment or dollar quote. @default false */
    readonly strict?: boolean;
    /** Prefix of the error messages in strict mode. @default "lexSql" */
    readonly who?: string;
}

const NAME_CHAR = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The segments of `sql`, in order, covering every character exactly once. */
export function lexSql(sql: string, opts: LexOptions = {}): SqlSegment[] {
    const who = opts.who ?? "lexSql";
    const unterminated = (what: string, at: number): number => {
        if (opts.strict) throw new Error(`${who}: unterminated ${what} starting at offset ${at}.`);
        return sql.length;
    };
    const out: SqlSegment[] = [];
    const n = sql.length;
    let codeStart = 0;
    let i = 0;
    const emit = (kind: SqlSegmentKind, start: number, end: number) => {
        if (codeStart < start) out.push({ kind: "code", start: codeStart, end: start });
        out.push({ kind, start, end });
        codeStart = end;
        i = end;
    };
    while (i < n) {
        const c = sql[i];
        const next = sql[i + 1];
        if (c === "'") {
            const prev = sql[i - 1];
            const escape = (prev === "E" || prev === "e") && !NAME_CHAR.test(sql[i - 2] ?? " ");
            emit("string", i, skipQuoted(sql, i, "'", escape) ?? unterminated("string", i));
        } else if (c === '"') {
            emit("quoted-identifier", i, skipQuoted(sql, i, '"', false) ?? unterminated("quoted identifier", i));
        } else if (c === "-" && next === "-") {
            const nl = sql.indexOf("\n", i);
            emit("line-comment", i, nl === -1 ? n : nl);
        } else if (c === "/" && next === "*") {
            emit("block-comment", i, skipBlockComment(sql, i) ?? unterminated("/* comment", i));
        } else if (c === "$" && !NAME_CHAR.test(sql[i - 1] ?? " ") && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
            const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
            const close = sql.indexOf(tag, i + tag.length);
            emit("dollar-quoted", i, close === -1 ? unterminated(`dollar-quoted string ${tag}`, i) : close + tag.length);
        } else {
            i++;
        }
    }
    if (codeStart < n) out.push({ kind: "code", start: codeStart, end: n });
    return out;
}

/** End offset of the quoted part starting at `start`, or undefined when it is not closed. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number | undefined {
    let i = start + 1;
    while (i < sql.length) {
        const c = sql[i];
        if (backslashEscapes && c === "\\") {
            i += 2;
            continue;
        }
        if (c === quote) {
            if (sql[i + 1] === quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return undefined;
}

/** End offset of the (nested) block comment starting at `start`, or undefined when it is not closed. */
function skipBlockComment(sql: string, start: number): number | undefined {
    let depth = 0;
    let i = start;
    while (i < sql.length) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
            depth++;
            i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
            depth--;
            i += 2;
            if (depth === 0) return i;
        } else {
            i++;
        }
    }
    return undefined;
}
