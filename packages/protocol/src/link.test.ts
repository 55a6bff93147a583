import { describe, expect, it } from "vitest";
import { formatLinkToken, parseLinkToken } from "./link.js";

describe("enrolment tokens", () => {
  it("name their server, whatever its name holds", () => {
    for (const server of ["meade", "pi-5", "a.b_c", "ünïcode"]) {
      const token = formatLinkToken(server, "c2VjcmV0");
      expect(parseLinkToken(token)).toEqual({ server, secret: "c2VjcmV0" });
      expect(parseLinkToken(` ${token}\n`)).toEqual({ server, secret: "c2VjcmV0" });
    }
  });

  it("are refused when they are not one", () => {
    for (const junk of [
      "",
      "tugl",
      "tugl..x",
      "tugl.6d.",
      "tugl.zz.secret",
      "tugl.6d6.secret",
      "other.6d.s",
      "tugl.6d.s.extra",
    ])
      expect(parseLinkToken(junk), junk).toBeUndefined();
  });
});
