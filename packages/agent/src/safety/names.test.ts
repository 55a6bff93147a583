import { describe, expect, it } from "vitest";
import { invalidName, pathInside } from "./names.js";

describe("invalidName", () => {
  it("accepts the names our users' fleets use", () => {
    for (const name of ["dozzle-agent-hercules", "newt_apollo", "uptime-kuma", "app.v2"]) {
      expect(invalidName("stack", name)).toBeUndefined();
    }
    expect(invalidName("project", "dozzle-agent")).toBeUndefined();
    expect(invalidName("service", "web")).toBeUndefined();
  });

  it("rejects traversal, shell metacharacters and empty names", () => {
    for (const name of ["../x", "a;rm -rf /", "..", "", "a/b", "$(id)", "name with space", "-flag"]) {
      expect(invalidName("stack", name)).toMatch(/^invalid stack name/);
    }
    expect(invalidName("project", "Upper")).toMatch(/lowercase/);
  });
});

describe("pathInside", () => {
  it("resolves paths under the root and refuses the ones that leave it", () => {
    expect(pathInside("/var/lib/tugboat-agent", "stacks/app")).toBe("/var/lib/tugboat-agent/stacks/app");
    expect(pathInside("/var/lib/tugboat-agent", "stacks/../stacks/app")).toBe("/var/lib/tugboat-agent/stacks/app");
    expect(pathInside("/var/lib/tugboat-agent", "../etc/passwd")).toBeUndefined();
    expect(pathInside("/var/lib/tugboat-agent", "/etc/passwd")).toBeUndefined();
    expect(pathInside("/var/lib/tugboat-agent", "stacks/\0x")).toBeUndefined();
  });
});
