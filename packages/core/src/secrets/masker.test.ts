import { describe, expect, it } from "vitest";
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
});
