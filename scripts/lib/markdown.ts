/**
 * What the doc generators share (scripts/design-doc.ts, scripts/event-types-doc.ts,
 * scripts/capacity.ts --update-doc, bench/stats.ts): Markdown tables and the
 * generated blocks between markers that they rewrite or check. Pure.
 */

/** One table cell: `|` escaped, so a value cannot split its row. */
export function tableCell(text: string): string {
    return text.replace(/\|/g, "\\|");
}

/** A Markdown table: the header, the `|---|` separator, one line per row (cells escaped). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const line = (cells: readonly string[]) => `| ${cells.map(tableCell).join(" | ")} |`;
    return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** Where a generated block sits in `doc`, its markers included: [start, end). Throws naming the document and both markers when they are missing or out of order. */
export function blockRange(doc: string, start: string, end: string, docName: string): [number, number] {
    const a = doc.indexOf(start);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${docName} has no ${start} ... ${end} block (both markers, in that order)`);
    return [a, b + end.length];
}

/** `doc` with the generated block (markers included) replaced by `start`, `body`, `end` on their own lines. */
export function withBlock(doc: string, start: string, end: string, body: string, docName: string): string {
    const [a, b] = blockRange(doc, start, end, docName);
    return `${doc.slice(0, a)}${start}\n${body}\n${end}${doc.slice(b)}`;
}
