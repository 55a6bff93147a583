import { afterEach, describe, expect, it } from "vitest";
import { type GitRepo, gitRepo, run } from "../src/index.js";

describe("gitRepo", () => {
  let repo: GitRepo | undefined;
  afterEach(async () => {
    await repo?.cleanup();
  });

  it("commits files and pushes them to its bare remote", async () => {
    repo = await gitRepo();
    await repo.write("stacks/app/compose.yaml", "services: {}\n");
    const first = await repo.commitAndPush("add app");
    await repo.write("stacks/app/compose.yaml", "services:\n  web:\n    image: x\n");
    const second = await repo.commitAndPush("change app");

    expect(first).toMatch(/^[0-9a-f]{40}$/);
    expect(second).not.toBe(first);
    const remoteHead = await run(["git", "--git-dir", repo.remote, "rev-parse", "refs/heads/main"]);
    expect(remoteHead.stdout.trim()).toBe(second);
    const shown = await run(["git", "--git-dir", repo.remote, "show", `${first}:stacks/app/compose.yaml`]);
    expect(shown.stdout).toBe("services: {}\n");
  });
});
