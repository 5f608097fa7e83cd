/**
 * Splits a SQL script into single statements (the Data API runs one statement
 * per call). Understands '...' strings (with '' escapes), "..." identifiers,
 * -- and nested /* *\/ comments and $tag$...$tag$ dollar quoting, so semicolons
 * inside them do not split. Comment-only pieces are dropped.
 */
export function splitSqlStatements(script: string): string[] {
    const out: string[] = [];
    let start = 0;
    let i = 0;
    let hasCode = false;
    const n = script.length;
    const push = (end: number) => {
        const stmt = script.slice(start, end).trim();
        if (hasCode && stmt.length > 0) out.push(stmt);
        hasCode = false;
    };
    while (i < n) {
        const c = script[i];
        const next = script[i + 1];
        if (c === "-" && next === "-") {
            const nl = script.indexOf("\n", i);
            i = nl === -1 ? n : nl + 1;
            continue;
        }
        if (c === "/" && next === "*") {
            let depth = 1;
            i += 2;
            while (i < n && depth > 0) {
                if (script[i] === "/" && script[i + 1] === "*") {
                    depth++;
                    i += 2;
                } else if (script[i] === "*" && script[i + 1] === "/") {
                    depth--;
                    i += 2;
                } else i++;
            }
            if (depth > 0) throw new Error(`splitSqlStatements: unterminated /* comment starting at offset ${script.lastIndexOf("/*", i)}.`);
            continue;
        }
        if (c === "'" || c === '"') {
            const startQuote = i;
            i++;
            for (;;) {
                if (i >= n) throw new Error(`splitSqlStatements: unterminated ${c === "'" ? "string" : "quoted identifier"} starting at offset ${startQuote}.`);
                if (script[i] === c) {
                    if (script[i + 1] === c) {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                i++;
            }
            hasCode = true;
            continue;
        }
        if (c === "$") {
            const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64));
            if (m) {
                const tag = m[0];
                const close = script.indexOf(tag, i + tag.length);
                if (close === -1) throw new Error(`splitSqlStatements: unterminated dollar-quoted string ${tag} starting at offset ${i}.`);
                i = close + tag.length;
                hasCode = true;
                continue;
            }
        }
        if (c === ";") {
            push(i);
            start = i + 1;
            i++;
            continue;
        }
        if (!/\s/.test(c)) hasCode = true;
        i++;
    }
    push(n);
    return out;
}
