import { describe, expect, it } from "vitest";
import { checkBranch, checkRemoteUrl } from "./remote-url.js";

describe("checkRemoteUrl", () => {
  it("accepts https, http, ssh and scp-like URLs", () => {
    for (const [url, kind] of [
      ["https://github.com/owner/repo.git", "https"],
      ["http://gitea.lan:3000/owner/repo", "http"],
      ["ssh://git@github.com/owner/repo.git", "ssh"],
      ["git@github.com:owner/repo.git", "scp"],
    ] as const) {
      expect(checkRemoteUrl(url)).toEqual({ ok: true, kind });
    }
  });

  it("refuses option-looking values, helpers and other transports", () => {
    for (const url of [
      "--upload-pack=touch /tmp/x;",
      "-oProxyCommand=touch /tmp/x",
      "ext::sh -c touch% /tmp/x",
      "fd::3",
      "git://example.net/repo.git",
      "ftp://example.net/repo.git",
      "https://-oProxyCommand=x/repo",
      " https://github.com/a/b",
      "",
      "owner/repo",
    ]) {
      expect(checkRemoteUrl(url).ok, url).toBe(false);
    }
  });

  it("allows local paths only when the caller says so", () => {
    expect(checkRemoteUrl("/srv/fleet.git")).toMatchObject({ ok: false });
    expect(checkRemoteUrl("file:///srv/fleet.git")).toMatchObject({ ok: false });
    expect(checkRemoteUrl("/srv/fleet.git", { allowLocal: true })).toEqual({ ok: true, kind: "local" });
  });
});

describe("checkBranch", () => {
  it("accepts ordinary branch names and refuses options and invalid refs", () => {
    expect(checkBranch("main")).toBeUndefined();
    expect(checkBranch("release/2.x")).toBeUndefined();
    for (const branch of ["--upload-pack=x", "-b", "a..b", "a b", "a:b", "", "/main", "main.lock", "a@{1}"]) {
      expect(checkBranch(branch), branch).toBeDefined();
    }
  });
});
