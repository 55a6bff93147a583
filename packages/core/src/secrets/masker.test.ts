import { describe, expect, it } from "vitest";
import { maskSecrets } from "./mask.js";

describe("maskSecrets", () => {
  it("masks secrets in every string at any depth, quotes and backslashes included", () => {
    const secret = 'pa"ss\\word';
    const masked = maskSecrets({ line: `token ${secret}`, steps: [{ argv: ["--password", secret] }], n: 3 }, [secret]);
    expect(masked).toEqual({ line: "token ***", steps: [{ argv: ["--password", "***"] }], n: 3 });
    expect(JSON.stringify(masked)).not.toContain('pa\\"ss');
  });

  it("masks the longer of two overlapping secrets whole, and ignores values under 3 characters", () => {
    expect(maskSecrets("key=abcdef", ["abc", "abcdef", "ke"])).toBe("key=***");
  });
});
