import { describe, expect, it } from "vitest";
import { interpolate, maskedEnvironment, renderEnvironment, type Variable } from "./environment.js";

const variables = new Map<string, Variable>([
  ["DOMAIN", { value: "example.net", secret: false }],
  ["TOKEN", { value: "s3cr3t", secret: true }],
]);

describe("renderEnvironment", () => {
  it("parses KEY=value, KEY: value and - KEY=value lines, skipping comments", () => {
    const text = "# comment\nA=1\n\nB: two words\n- C=x=y\n";
    const { entries, invalid } = renderEnvironment(text, variables);
    expect(entries.map((e) => [e.name, e.value, e.lineOffset])).toEqual([
      ["A", "1", 1],
      ["B", "two words", 3],
      ["C", "x=y", 4],
    ]);
    expect(invalid).toEqual([]);
  });

  it("interpolates variables and marks only the entries using a secret", () => {
    const { entries } = renderEnvironment("URL=https://[[DOMAIN]]/\nAUTH=Bearer [[TOKEN]]", variables);
    expect(entries).toEqual([
      { name: "URL", value: "https://example.net/", secret: false, secrets: [], unresolved: [], lineOffset: 0 },
      { name: "AUTH", value: "Bearer s3cr3t", secret: true, secrets: ["s3cr3t"], unresolved: [], lineOffset: 1 },
    ]);
    expect(maskedEnvironment(entries)).toBe("URL=https://example.net/\nAUTH=***\n");
  });

  it("reports unknown variables with their line and column, and invalid lines", () => {
    const { unknown, invalid } = renderEnvironment("A=1\nB=[[NOPE]]\nnot a pair", variables);
    expect(unknown).toEqual([{ name: "NOPE", lineOffset: 1, column: 2 }]);
    expect(invalid).toEqual([{ lineOffset: 2, text: "not a pair" }]);
  });
});

describe("interpolate", () => {
  it("leaves text without references alone", () => {
    expect(interpolate("plain", variables)).toEqual({ text: "plain", secret: false, secrets: [], unknown: [] });
  });
});
