// Issue 12, item 1: a URL or branch in the repository that git would read as
// an option (or a local path, or a remote helper) is an error at its line,
// so it never reaches git.
import { describe, expect, it } from "vitest";
import { loadFiles, repo } from "./fixture.js";

const errorsOf = async (files: Record<string, string>) =>
  (await loadFiles(repo(files))).errors.map(({ code, file, line, field }) => ({ code, file, line, field }));

describe("repository remotes named by resources", () => {
  it("refuses an option-looking [[repo]] url at its line", async () => {
    const errors = await errorsOf({
      "syncs/repos.toml": '[[repo]]\nname = "evil"\n[repo.config]\nurl = "--upload-pack=touch /tmp/x;"\n',
    });
    expect(errors).toEqual([{ code: "E_INVALID_URL", file: "syncs/repos.toml", line: 4, field: "repo.config.url" }]);
  });

  it("refuses local paths and remote helpers in the repository", async () => {
    const errors = await errorsOf({
      "syncs/repos.toml":
        '[[repo]]\nname = "local"\n[repo.config]\nurl = "/srv/other.git"\n\n[[repo]]\nname = "helper"\n[repo.config]\nurl = "ext::sh -c touch% /tmp/x"\n',
    });
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ["E_INVALID_URL", 4],
      ["E_INVALID_URL", 9],
    ]);
  });

  it("refuses a stack repo and a sync branch that start with a dash", async () => {
    const errors = await errorsOf({
      "syncs/stacks.toml":
        '[[stack]]\nname = "app"\n[stack.config]\nserver = "hercules"\nrepo = "-oProxyCommand=x"\ngit_provider = "-evil"\n',
      "syncs/syncs.toml":
        '[[resource_sync]]\nname = "other"\n[resource_sync.config]\nrepo = "owner/fleet"\nbranch = "--upload-pack=x"\n',
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { code: "E_INVALID_URL", file: "syncs/stacks.toml", line: 5, field: "stack.config.repo" },
        { code: "E_INVALID_VALUE", file: "syncs/syncs.toml", line: 5, field: "resource_sync.config.branch" },
      ]),
    );
  });

  it("accepts Komodo's own repository shapes", async () => {
    const errors = await errorsOf({
      "syncs/repos.toml":
        '[[repo]]\nname = "gh"\n[repo.config]\nrepo = "owner/docker"\n\n[[repo]]\nname = "lan"\n[repo.config]\nrepo = "me/fleet"\ngit_provider = "gitea.lan:3000"\ngit_https = false\n\n[[repo]]\nname = "ssh"\n[repo.config]\nurl = "git@github.com:owner/fleet.git"\nbranch = "release/2.x"\n',
    });
    expect(errors).toEqual([]);
  });
});
