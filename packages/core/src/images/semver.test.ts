import { describe, expect, it } from "vitest";
import { newerVersions, parseTagVersion } from "./semver.js";

const TAGS = ["1.2.3", "1.2.4", "1.3.0", "2.0.0-rc1", "2.0.0", "1.2.4-alpine", "latest", "1.2", "1.2.3-alpine"];

describe("newer versions of a tag", () => {
  it("groups a plain version's newer releases, never a pre-release or another flavour", () => {
    expect(newerVersions("1.2.3", TAGS)).toEqual({ patch: ["1.2.4"], minor: ["1.3.0"], major: ["2.0.0"] });
  });

  it("keeps the suffix: 1.2.3-alpine is offered 1.2.4-alpine only", () => {
    expect(newerVersions("1.2.3-alpine", TAGS)).toEqual({ patch: ["1.2.4-alpine"], minor: [], major: [] });
  });

  it("offers a pre-release's newer pre-releases and releases", () => {
    expect(newerVersions("2.0.0-rc1", [...TAGS, "2.0.0-rc2"])).toEqual({
      patch: ["2.0.0-rc2", "2.0.0"],
      minor: [],
      major: [],
    });
  });

  it("keeps the shape: v2.3 against v-prefixed two-number tags, 16-alpine against one-number ones", () => {
    expect(newerVersions("v2.3", ["v2.4", "2.5", "v2.3.1", "v3.0", "v2.10"])).toEqual({
      patch: [],
      minor: ["v2.4", "v2.10"],
      major: ["v3.0"],
    });
    expect(newerVersions("16-alpine", ["16.4-alpine", "17-alpine", "17", "18-alpine", "15-alpine"])).toEqual({
      patch: [],
      minor: [],
      major: ["17-alpine", "18-alpine"],
    });
  });

  it("says nothing for a tag that is not a version", () => {
    expect(newerVersions("latest", TAGS)).toBeUndefined();
    expect(newerVersions("stable-2024", TAGS)).toBeUndefined();
    expect(parseTagVersion("1.2.3-beta.2")).toMatchObject({ numbers: [1, 2, 3], prerelease: true });
  });
});
