import { lexSql } from "./sql-lex";

/**
 * Splits a SQL script into single statements (the Data API runs one statement
 * per call). Lexed by ./sql-lex.ts (the lexer the local Data API uses too), so
 * semicolons inside strings, quoted identifiers, comments and dollar-quoted
 * bodies do not split; an unterminated one throws. Comment-only pieces are dropped.
 */
export function splitSqlStatements(script: string): string[] {
    const out: string[] = [];
    let start = 0;
    let hasCode = false;
    const push = (end: number) => {
        const stmt = script.slice(start, end).trim();
        if (hasCode && stmt.length > 0) out.push(stmt);
        hasCode = false;
    };
    for (const seg of lexSql(script, { strict: true, who: "splitSqlStatements" })) {
        if (seg.kind === "line-comment" || seg.kind === "block-comment") continue;
        if (seg.kind !== "code") {
            hasCode = true;
            continue;
        }
        for (let i = seg.start; i < seg.end; i++) {
            const c = script[i];
            if (c === ";") {
                push(i);
                start = i + 1;
            } else if (!/\s/.test(c)) hasCode = true;
        }
    }
    push(script.length);
    return out;
}
