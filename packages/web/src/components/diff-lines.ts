// The lines of a diff as the UI shows them: added, removed, unchanged, and
// long unchanged stretches folded to a few lines of context each side.
import { type Change, diffLines } from "diff";

const CONTEXT = 3;

export interface Line {
  kind: "add" | "del" | "same" | "fold";
  text: string;
}

/** The lines of a unified diff, with long unchanged stretches folded to CONTEXT lines each side. */
export function unifiedLines(before: string, after: string): Line[] {
  const lines: Line[] = [];
  const parts: Change[] = diffLines(before, after);
  parts.forEach((part, index) => {
    const texts = part.value.replace(/\n$/, "").split("\n");
    if (part.added || part.removed) {
      for (const text of texts) lines.push({ kind: part.added ? "add" : "del", text });
      return;
    }
    const keepStart = index === 0 ? 0 : CONTEXT;
    const keepEnd = index === parts.length - 1 ? 0 : CONTEXT;
    if (texts.length <= keepStart + keepEnd + 1) {
      for (const text of texts) lines.push({ kind: "same", text });
      return;
    }
    for (const text of texts.slice(0, keepStart)) lines.push({ kind: "same", text });
    lines.push({ kind: "fold", text: `… ${texts.length - keepStart - keepEnd} unchanged lines` });
    for (const text of texts.slice(texts.length - keepEnd)) lines.push({ kind: "same", text });
  });
  return lines;
}
