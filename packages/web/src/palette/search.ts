// What the command palette finds: every item whose words contain the query's
// letters in order, best first (a match at the start of the name, then one at
// a word's start, then the shortest name). Pure, so it is tested and
// benchmarked without a browser.
export interface PaletteItem {
  id: string;
  /** What the list shows and what the query is matched against. */
  label: string;
  /** Shown after the label (the kind, a server, a state). */
  hint: string;
  /** A page to open, or an action to run (after a confirmation). */
  to?: string;
  action?: { method: "POST"; path: string; question: string };
}

/** Lower is better; undefined when the query's letters are not all in the label, in order. */
function score(label: string, query: string): number | undefined {
  const text = label.toLowerCase();
  const at = text.indexOf(query);
  if (at === 0) return 0;
  if (at > 0) return /[\s/_.-]/.test(text[at - 1] ?? "") ? 1 : 2;
  let from = 0;
  for (const letter of query) {
    const found = text.indexOf(letter, from);
    if (found < 0) return undefined;
    from = found + 1;
  }
  return 3;
}

export function searchPalette(items: readonly PaletteItem[], query: string, limit = 50): PaletteItem[] {
  const wanted = query.trim().toLowerCase();
  if (!wanted) return items.slice(0, limit);
  const ranked: Array<{ item: PaletteItem; rank: number }> = [];
  for (const item of items) {
    const rank = score(item.label, wanted);
    if (rank !== undefined) ranked.push({ item, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.item.label.length - b.item.label.length);
  return ranked.slice(0, limit).map((r) => r.item);
}
