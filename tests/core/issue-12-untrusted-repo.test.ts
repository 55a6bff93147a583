// Issue 12: the fleet repository is untrusted input. A URL that git would
// read as an option never reaches git, in the root repository or in the
// repository of a sync it declares; nothing runs, and the commit is invalid
// at the line that says so.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import {
  type GitHttpServer,
  type GitRepo,
  gitHttpServer,
  gitRepo,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCore } from "./fixture.js";

describe("core and an untrusted fleet repository", () => {
  let data: TempDir;
  let root: GitRepo;
  let child: GitRepo;
  let forge: GitHttpServer;
  let core: RunningCore;
  let marker: string;

  beforeAll(async () => {
    data = await tempDir("tug-untrusted-");
    marker = join(data.path, "pwned");
    forge = await gitHttpServer();
    child = await gitRepo();
    await child.write(
      "syncs/evil.toml",
      `[[repo]]\nname = "evil"\n[repo.config]\nurl = "--upload-pack=touch ${marker}-child;"\n\n[[stack]]\nname = "thief"\n[stack.config]\nserver = "nowhere"\nlinked_repo = "evil"\n`,
    );
    await child.commitAndPush("child");
    const childUrl = await forge.serve(child.remote, "child");
    root = await gitRepo();
    await root.write(
      "syncs/syncs.toml",
      `[[repo]]\nname = "child-repo"\n[repo.config]\nurl = "${childUrl}"\n\n[[resource_sync]]\nname = "child"\n[resource_sync.config]\nlinked_repo = "child-repo"\nmanaged = true\n`,
    );
    await root.commitAndPush("root");
    core = await startTestCore({ dataDir: join(data.path, "core"), syncRepo: root.remote });
  });

  afterAll(async () => {
    await core?.close();
    await forge?.close();
    await root?.cleanup();
    await child?.cleanup();
    await data?.cleanup();
  });

  it("refuses an option-looking [[repo]] url in a declared sync's repository, at its line", async () => {
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "ok", { what: "the root sync" });
    await core.context.engine.check("child", { trigger: "poll", actor: "poll" });
    const sync = await core.context.syncs.get("child");
    expect(sync?.status).toBe("invalid");
    expect(sync?.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: "E_INVALID_URL", file: "syncs/evil.toml", line: 4 })]),
    );
    expect(existsSync(`${marker}-child`)).toBe(false);
  });

  it("refuses one in the root repository too, applying nothing of that commit", async () => {
    await root.write(
      "syncs/syncs.toml",
      `[[repo]]\nname = "evil"\n[repo.config]\nurl = "--upload-pack=touch ${marker}-root;"\n\n[[resource_sync]]\nname = "evil-sync"\n[resource_sync.config]\nlinked_repo = "evil"\nmanaged = true\n`,
    );
    await root.commitAndPush("inject");
    const outcome = await core.context.engine.check("root", { trigger: "poll", actor: "poll" });
    expect(outcome.status).toBe("invalid");
    expect(await core.context.syncs.get("evil-sync")).toBeUndefined();
    expect(existsSync(`${marker}-root`)).toBe(false);
    expect(existsSync(`${marker}-child`)).toBe(false);
  });
});
