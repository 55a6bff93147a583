import { describe, expect, it } from "vitest";
import { closest, didYouMean } from "./suggest.js";

describe("closest", () => {
  it("finds a one-letter typo", () => {
    expect(closest("run_dirctory", ["run_directory", "file_paths", "server"])).toBe("run_directory");
    expect(closest("apolo", ["apollo", "hercules"])).toBe("apollo");
  });

  it("suggests nothing for an unrelated name", () => {
    expect(closest("frobnicate", ["server", "environment"])).toBeUndefined();
    expect(didYouMean("zzz", ["apollo"])).toBe("");
  });
});
