// Issue 20's diff reads the fleet at an older commit. That must not change
// what core masks: a secret the current commit declares stays masked after
// a diff against a commit that did not have it.
import { join } from "node:path";
import type { RunningCore } from "@tugboat/core";
import { type GitRepo, gitRepo, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCore } from "./fixture.js";

const NEW_SECRET = "new-secret-value-4821";

describe("a diff against an older commit", () => {
  let data: TempDir;
  let repo: GitRepo;
  let core: RunningCore;
  let first: string;

  beforeAll(async () => {
    data = await tempDir("tug-diff-");
    repo = await gitRepo();
    // A server nobody answers on: the stack is recorded, its deploy waits.
    await repo.write(
      "syncs/servers.toml",
      '[[server]]\nname = "far"\n[server.config]\naddress = "https://127.0.0.1:9"\nenabled = true\n',
    );
    await repo.write(
      "syncs/stacks.toml",
      '[[stack]]\nname = "web"\n[stack.config]\nserver = "far"\nrun_directory = "stacks/web"\nenvironment = "MODE=a"\n',
    );
    await repo.write("stacks/web/compose.yaml", "services:\n  web:\n    image: local/busybox:1\n");
    first = await repo.commitAndPush("first");
    core = await startTestCore({ dataDir: join(data.path, "core"), syncRepo: repo.remote });
    await core.context.engine.check("root", { trigger: "user", actor: "test" }, { force: true });
    await repo.write(
      "syncs/variables.toml",
      `[[variable]]\nname = "TOKEN"\nvalue = "${NEW_SECRET}"\nis_secret = true\n`,
    );
    await repo.write(
      "syncs/stacks.toml",
      '[[stack]]\nname = "web"\n[stack.config]\nserver = "far"\nrun_directory = "stacks/web"\nenvironment = "MODE=b\\nTOKEN=[[TOKEN]]"\n',
    );
    await repo.commitAndPush("a secret");
    await core.context.engine.check("root", { trigger: "user", actor: "test" }, { force: true });
  });

  afterAll(async () => {
    await core?.close();
    await repo?.cleanup();
    await data?.cleanup();
  });

  it("keeps masking the current commit's secrets", async () => {
    expect(core.context.masker.mask(`token ${NEW_SECRET}`)).not.toContain(NEW_SECRET);
    await core.context.engine.history.fleetAt("root", first);
    expect(core.context.masker.mask(`token ${NEW_SECRET}`)).not.toContain(NEW_SECRET);
  });
});
