// The diff view's lines: changes marked, unchanged stretches folded to three
// lines of context each side (none before the first change's start or after the last).
import { describe, expect, it } from "vitest";
import { unifiedLines } from "./diff-lines.js";

describe("diff lines", () => {
  it("marks added and removed lines and folds a long unchanged stretch", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g", "h", "old", "i"].join("\n");
    const after = ["a", "b", "c", "d", "e", "f", "g", "h", "new", "i"].join("\n");
    const lines = unifiedLines(`${before}\n`, `${after}\n`);
    expect(lines).toEqual([
      { kind: "fold", text: "… 5 unchanged lines" },
      { kind: "same", text: "f" },
      { kind: "same", text: "g" },
      { kind: "same", text: "h" },
      { kind: "del", text: "old" },
      { kind: "add", text: "new" },
      { kind: "same", text: "i" },
    ]);
  });

  it("shows a new file as all added", () => {
    expect(unifiedLines("", "x\ny\n")).toEqual([
      { kind: "add", text: "x" },
      { kind: "add", text: "y" },
    ]);
  });
});
