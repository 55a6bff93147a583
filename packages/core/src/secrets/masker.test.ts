import { describe, expect, it, vi } from "vitest";
import { maskerOf, SecretMasker } from "./masker.js";

describe("SecretMasker", () => {
  it("masks secrets in every string at any depth, quotes and backslashes included", () => {
    const secret = 'pa"ss\\word';
    const masked = maskerOf([secret]).maskDeep({
      line: `token ${secret}`,
      steps: [{ argv: ["--password", secret] }],
      n: 3,
    });
    expect(masked).toEqual({ line: "token ***", steps: [{ argv: ["--password", "***"] }], n: 3 });
    expect(JSON.stringify(masked)).not.toContain('pa\\"ss');
  });

  it("masks the longer of two overlapping secrets whole, and ignores values under 3 characters", () => {
    expect(maskerOf(["abc", "abcdef", "ke"]).mask("key=abcdef")).toBe("key=***");
  });

  it("masks a secret inside a longer value, and regular-expression characters literally", () => {
    const masker = maskerOf(["pw.1+x"]);
    expect(masker.mask("postgres://u:pw.1+x@db/app")).toBe("postgres://u:***@db/app");
    expect(masker.mask("pwa1+x")).toBe("pwa1+x");
  });

  it("replaces one scope's values without touching the others", () => {
    const masker = new SecretMasker();
    masker.set("core", ["core-secret"]);
    masker.set("sync:a", ["old-secret"]);
    masker.set("sync:a", ["new-secret"]);
    expect(masker.mask("core-secret old-secret new-secret")).toBe("*** old-secret ***");
  });

  describe("maskJson", () => {
    const replaced = (masker: SecretMasker, value: unknown) =>
      JSON.stringify(value, (_key, item: unknown) => (typeof item === "string" ? masker.mask(item) : item));

    it("writes what a masking replacer writes, for secrets JSON escapes and secrets it does not", () => {
      const secrets = ['pa"ss\\word', "line\nbreak", "tab\there", "ünïcødé-ß", "plain-secret"];
      const masker = maskerOf(secrets);
      const reply = {
        stacks: secrets.map((secret, i) => ({ name: `s${i}`, env: `KEY=${secret};`, argv: ["--", secret], n: i })),
        nested: { deeper: [{ text: `${secrets[0]}${secrets[4]}` }] },
      };
      const json = masker.maskJson(JSON.stringify(reply));
      expect(json).toBe(replaced(masker, reply));
      for (const secret of secrets) expect(json).not.toContain(JSON.stringify(secret).slice(1, -1));
    });

    it("returns a reply with no secret in it as it is, without reading it again", () => {
      const masker = maskerOf(["hunter2-secret"]);
      const json = JSON.stringify({ stacks: [{ name: "web", env: "KEY=value" }] });
      const parse = vi.spyOn(JSON, "parse");
      try {
        expect(masker.maskJson(json)).toBe(json);
        expect(parse).not.toHaveBeenCalled();
      } finally {
        parse.mockRestore();
      }
    });

    it("leaves numbers, booleans and keys alone when a secret looks like them, as the replacer did", () => {
      const masker = maskerOf(["true", "1234", '":"', "name"]);
      const reply = { name: "true", port: 12345, ok: true, sep: '":"', list: [1234, "x1234x"] };
      const json = masker.maskJson(JSON.stringify(reply));
      expect(json).toBe(replaced(masker, reply));
      expect(JSON.parse(json)).toEqual({ name: "***", port: 12345, ok: true, sep: "***", list: [1234, "x***x"] });
    });

    it("masks a secret ending in half a surrogate pair where a string holds the whole pair, as the replacer did", () => {
      // JSON writes the half alone as \ud83d and the pair as it is: the text holds no "ab\ud83d".
      const masker = maskerOf(["ab\uD83D"]);
      const reply = { emoji: "ab\uD83D\uDE00" };
      expect(masker.maskJson(JSON.stringify(reply))).toBe(replaced(masker, reply));
      expect(masker.maskJson(JSON.stringify(reply))).not.toContain("ab");
    });
  });
});
