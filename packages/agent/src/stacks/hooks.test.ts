import { describe, expect, it } from "vitest";
import { hookArgv } from "./hooks.js";

describe("hookArgv", () => {
  it("joins lines with && and drops blank lines and comments, as Komodo does", () => {
    expect(hookArgv("# setup\nmkdir -p data\n\n  chown 1000 data  \n")).toEqual([
      "sh",
      "-c",
      "mkdir -p data && chown 1000 data",
    ]);
  });

  it("has no command for an empty or comment-only text", () => {
    expect(hookArgv("")).toBeUndefined();
    expect(hookArgv("# nothing\n\n")).toBeUndefined();
  });
});
