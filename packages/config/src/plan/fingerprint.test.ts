// Stored fingerprints are hashes of canonicalJson's text: a faster writer
// must write exactly what the first one did, or an upgrade redeploys everything.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./fingerprint.js";

describe("canonicalJson", () => {
  it("writes what every earlier version wrote, byte for byte", () => {
    const sample = {
      z: [1, undefined, null, "é😀", { b: 2, a: [true, -0] }],
      a: { 'k"q': "s\n", "\u0000": undefined, B: 1, b: 2, "10": 0, "2": 1 },
      // Wide enough for the remembered layouts, and twice, so the second is written from memory.
      wide: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${(i * 7) % 12}`, i])),
      again: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${(i * 7) % 12}`, -i])),
    };
    const { again: _again, ...first } = sample;
    // Text and hash written by the version that stored the fingerprints users have.
    expect(canonicalJson(first)).toBe(
      '{"a":{"\\u0000":undefined,"10":0,"2":1,"B":1,"b":2,"k\\"q":"s\\n"},"wide":{"f0":0,"f1":7,"f10":10,"f11":5,"f2":2,"f3":9,"f4":4,"f5":11,"f6":6,"f7":1,"f8":8,"f9":3},"z":[1,,null,"é😀",{"a":[true,0],"b":2}]}',
    );
    expect(createHash("sha256").update(canonicalJson(first)).digest("hex")).toBe(
      "0181f011938d72f501c90498c1c71f3f825e6a93c41343113d52b3cb9893bef2",
    );
    expect(canonicalJson(sample)).toContain('"again":{"f0":0,"f1":-7,"f10":-10');
  });

  it("writes any value as sorted-key JSON would, quotes, escapes and surrogate halves included", () => {
    // The first writer's rules, written plainly: keys sorted, JSON's own text for the rest.
    const reference = (value: unknown): string | undefined => {
      if (typeof value !== "object" || value === null) return JSON.stringify(value);
      if (Array.isArray(value))
        return `[${Array.from(value.keys(), (i) => (i in value ? (reference(value[i]) ?? "") : "")).join(",")}]`;
      const object = value as Record<string, unknown>;
      return `{${Object.keys(object)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${reference(object[key])}`)
        .join(",")}}`;
    };
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const chars = ["a", "Z", "1", "_", " ", '"', "\\", "\n", "\u0000", "\u001f", "é", "😀", "\ud800", "\udfff", "/"];
    const text = () => Array.from({ length: random(6) }, () => chars[random(chars.length)]).join("");
    const value = (depth: number): unknown => {
      const kind = random(depth > 2 ? 5 : 8);
      if (kind === 0) return text();
      if (kind === 1) return random(100) - 50;
      if (kind === 2) return random(2) === 0;
      if (kind === 3) return null;
      if (kind === 4) return undefined;
      if (kind === 5) return Array.from({ length: random(4) }, () => value(depth + 1));
      // Sorted keys, unsorted keys, and wide objects (remembered layouts).
      const keys = Array.from({ length: kind === 7 ? 8 + random(6) : random(5) }, text);
      if (random(2) === 0) keys.sort();
      return Object.fromEntries(keys.map((key) => [key, value(depth + 1)]));
    };
    for (let i = 0; i < 2000; i += 1) {
      const sample = value(0);
      expect(canonicalJson(sample)).toBe(reference(sample));
    }
  });
});
