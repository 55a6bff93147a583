// The palette's ranking: a name that starts with the query first, then one
// with it at a word's start, then anywhere, then its letters in order.
import { describe, expect, it } from "vitest";
import { type PaletteItem, searchPalette } from "./search.js";

const item = (label: string): PaletteItem => ({ id: label, label, hint: "stack", to: `/stacks/${label}` });
const labels = (items: PaletteItem[]) => items.map((i) => i.label);

describe("palette search", () => {
  const items = ["jellyfin", "media-jellyfin", "postgres", "jellyseerr", "my-jelly-app", "prometheus"].map(item);

  it("ranks a prefix, then a word start, then a letters-in-order match", () => {
    expect(labels(searchPalette(items, "jelly"))).toEqual(["jellyfin", "jellyseerr", "my-jelly-app", "media-jellyfin"]);
    expect(labels(searchPalette(items, "pgs"))).toEqual(["postgres"]);
    expect(labels(searchPalette(items, "PROM"))).toEqual(["prometheus"]);
  });

  it("shows everything for an empty query, up to the limit, and nothing for no match", () => {
    expect(searchPalette(items, "  ")).toHaveLength(6);
    expect(searchPalette(items, "", 2)).toHaveLength(2);
    expect(searchPalette(items, "zzz")).toEqual([]);
  });
});
