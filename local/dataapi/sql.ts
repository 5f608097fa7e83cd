/**
 * SQL text handling for the local Data API: finds `:name` placeholders the way
 * the service does (outside string literals, quoted identifiers, comments and
 * dollar-quoted bodies; `::type` casts are not placeholders) and rewrites them
 * to PostgreSQL's positional `$n`.
 */

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
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" ) {
      // Standard string, or E'...' escape string when preceded by E/e.
      const prev = sql[i - 1];
      const escape = (prev === "E" || prev === "e") && !NAME_CHAR.test(sql[i - 2] ?? " ");
      const end = skipQuoted(sql, i, "'", escape);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "-" && next === "-") {
      const nl = sql.indexOf("\n", i);
      const end = nl === -1 ? n : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === "/" && next === "*") {
      const end = skipBlockComment(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "$" && !NAME_CHAR.test(sql[i - 1] ?? " ")) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close === -1 ? n : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else if (c === ":" && next === ":") {
      out += "::";
      i += 2;
    } else if (c === ":" && next !== undefined && NAME_START.test(next) && sql[i - 1] !== ":") {
      let j = i + 1;
      while (j < n && NAME_CHAR.test(sql[j])) j++;
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
  return { text: out, names };
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
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
  return sql.length;
}

function skipBlockComment(sql: string, start: number): number {
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
  return sql.length;
}
