import { expect } from "chai";
import { blockRange, markdownTable, tableCell, withBlock } from "../../scripts/lib/markdown";

describe("doc generators' Markdown helpers (scripts/lib/markdown.ts)", () => {
    it("builds a table with the header, the separator and escaped cells", () => {
        expect(tableCell("a|b")).to.equal("a\\|b");
        expect(
            markdownTable(
                ["figure", "value"],
                [
                    ["x", "1 | 2"],
                    ["y", "3"],
                ],
            ),
        ).to.equal("| figure | value |\n|---|---|\n| x | 1 \\| 2 |\n| y | 3 |");
        expect(markdownTable(["a"], [])).to.equal("| a |\n|---|");
    });

    it("replaces the generated block between its markers, keeping the rest byte for byte", () => {
        const doc = "intro\n<!-- s -->\nold\nlines\n<!-- e -->\noutro\n";
        expect(blockRange(doc, "<!-- s -->", "<!-- e -->", "docs/x.md")).to.deep.equal([6, 37]);
        expect(withBlock(doc, "<!-- s -->", "<!-- e -->", "new", "docs/x.md")).to.equal("intro\n<!-- s -->\nnew\n<!-- e -->\noutro\n");
    });

    it("fails when a marker is missing or the end comes first, naming the document and both markers", () => {
        const message = "docs/x.md has no <!-- s --> ... <!-- e --> block (both markers, in that order)";
        expect(() => withBlock("no markers", "<!-- s -->", "<!-- e -->", "new", "docs/x.md")).to.throw(message);
        expect(() => withBlock("<!-- e --> then <!-- s -->", "<!-- s -->", "<!-- e -->", "new", "docs/x.md")).to.throw(message);
        expect(() => withBlock("<!-- s --> only", "<!-- s -->", "<!-- e -->", "new", "docs/x.md")).to.throw(message);
    });
});
