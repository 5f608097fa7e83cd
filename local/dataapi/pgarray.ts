/** PostgreSQL array text format (`{1,2,NULL}`, `{"a b","x\"y"}`, `{{1,2},{3,4}}`). */

export type PgArray = Array<string | null | PgArray>;

/** Parses an array literal as PostgreSQL prints it; elements stay text (or null). */
export function parsePgArray(text: string): PgArray {
    let s = text;
    // Optional dimension decoration: [1:2]={...}
    if (s.startsWith("[")) s = s.slice(s.indexOf("=") + 1);
    let i = 0;
    const parse = (): PgArray => {
        if (s[i] !== "{") throw new Error(`malformed array literal ${JSON.stringify(text)}`);
        i++;
        const out: PgArray = [];
        if (s[i] === "}") {
            i++;
            return out;
        }
        for (;;) {
            if (s[i] === "{") {
                out.push(parse());
            } else if (s[i] === '"') {
                i++;
                let v = "";
                while (i < s.length && s[i] !== '"') {
                    if (s[i] === "\\") i++;
                    v += s[i];
                    i++;
                }
                i++;
                out.push(v);
            } else {
                let j = i;
                while (j < s.length && s[j] !== "," && s[j] !== "}") j++;
                const raw = s.slice(i, j).trim();
                out.push(raw === "NULL" ? null : raw);
                i = j;
            }
            if (s[i] === ",") {
                i++;
                continue;
            }
            if (s[i] === "}") {
                i++;
                return out;
            }
            throw new Error(`malformed array literal ${JSON.stringify(text)}`);
        }
    };
    return parse();
}

/** Formats nested JS values as an array literal PostgreSQL accepts as input. */
export function formatPgArray(values: ReadonlyArray<unknown>): string {
    const item = (v: unknown): string => {
        if (v === null || v === undefined) return "NULL";
        if (Array.isArray(v)) return formatPgArray(v);
        if (typeof v === "boolean") return v ? "t" : "f";
        if (typeof v === "number") return String(v);
        return `"${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    };
    return `{${values.map(item).join(",")}}`;
}
