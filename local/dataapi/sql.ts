/**
 * SQL text handling for the local Data API: finds `:name` placeholders the way
 * the service does (outside string literals, quoted identifiers, comments and
 * dollar-quoted bodies; `::type` casts are not placeholders) and rewrites them
 * to PostgreSQL's positional `$n`. The text is lexed by functions/shared/db/sql-lex.ts,
 * the lexer the migrations' statement splitter uses too.
 */
import { lexSql } from "../../functions/shared/db/sql-lex";

export interface RewrittenSql {
    /** SQL with `:name` replaced by `$1..$n` (a repeated name reuses its number). */
    readonly text: string;
    /** Placeholder names in `$n` order. */
    readonly names: readonly string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Replaces the named placeholders listed in `known` with `$n`. Placeholders
 * that are not in `known` are left as they are (PostgreSQL then reports a
 * syntax error at them, as the service does for a missing parameter).
 */
export function rewriteNamedParameters(sql: string, known: ReadonlySet<string>): RewrittenSql {
    const names: string[] = [];
    const index = new Map<string, number>();
    let out = "";
    for (const seg of lexSql(sql)) {
        if (seg.kind !== "code") {
            out += sql.slice(seg.start, seg.end);
            continue;
        }
        let i = seg.start;
        while (i < seg.end) {
            const c = sql[i];
            const next = i + 1 < seg.end ? sql[i + 1] : undefined;
            if (c === ":" && next === ":") {
                out += "::";
                i += 2;
            } else if (c === ":" && next !== undefined && NAME_START.test(next) && sql[i - 1] !== ":") {
                let j = i + 1;
                while (j < seg.end && NAME_CHAR.test(sql[j])) j++;
                const name = sql.slice(i + 1, j);
                if (known.has(name)) {
                    let pos = index.get(name);
                    if (pos === undefined) {
                        names.push(name);
                        pos = names.length;
                        index.set(name, pos);
                    }
                    out += `$${pos}`;
                } else {
                    out += sql.slice(i, j);
                }
                i = j;
            } else {
                out += c;
                i++;
            }
        }
    }
    return { text: out, names };
}
