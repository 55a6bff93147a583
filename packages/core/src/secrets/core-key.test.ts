import { describe, expect, it } from "vitest";
import { CoreKey } from "./core-key.js";

describe("CoreKey", () => {
  it("seals and opens a value, and refuses one sealed with another key", () => {
    const key = CoreKey.ephemeral();
    const sealed = key.seal("webhook-secret");
    expect(sealed).not.toContain("webhook-secret");
    expect(key.open(sealed)).toBe("webhook-secret");
    expect(() => CoreKey.ephemeral().open(sealed)).toThrow();
  });

  it("keys HMACs by purpose", () => {
    const key = CoreKey.ephemeral();
    expect(key.hmac("env", "A=1")).toBe(key.hmac("env", "A=1"));
    expect(key.hmac("env", "A=1")).not.toBe(key.hmac("other", "A=1"));
    expect(key.hmac("env", "A=1")).not.toBe(CoreKey.ephemeral().hmac("env", "A=1"));
  });
});
