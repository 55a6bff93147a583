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
});
