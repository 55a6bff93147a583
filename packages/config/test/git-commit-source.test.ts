// A commit read through one `git cat-file --batch`: what it lists (files,
// folders, symlinks; submodules hold nothing), and what it refuses.
import { execFileSync } from "node:child_process";
import { type GitRepo, gitRepo } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitCommitSource } from "../src/index.js";
import { GitBatch } from "../src/source/git-batch.js";

const gitChildren = () => {
  const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("cat-file --batch")).length;
};

describe("GitCommitSource", () => {
  let repo: GitRepo;
  let commit: string;
  beforeAll(async () => {
    repo = await gitRepo();
    await repo.write("stacks/a/compose.yaml", "services: {}\n");
    await repo.write("stacks/b c/é.yaml", "services: {}\n");
    await repo.write("top.toml", "");
    execFileSync("ln", ["-s", "../../top.toml", `${repo.dir}/stacks/a/link.toml`]);
    await repo.git(["add", "--all"]);
    // A submodule (a gitlink): staged by hand, as `add --all` would drop it with no checkout of it.
    await repo.git(["update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/lib`]);
    await repo.git(["commit", "--quiet", "-m", "a commit with a submodule and a symlink"]);
    commit = await repo.git(["rev-parse", "HEAD"]);
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it("lists what ls-tree lists, in its order, with git's object ids", async () => {
    const source = await GitCommitSource.open({ repository: repo.dir, revision: "HEAD" });
    try {
      expect(source.commit).toBe(commit);
      const expected = new Map(
        (await repo.git(["ls-tree", "-r", "-z", commit]))
          .split("\0")
          .filter((line) => line && !line.startsWith("160000"))
          .map((line) => [line.slice(line.indexOf("\t") + 1), line.split(" ")[2]?.split("\t")[0]]),
      );
      expect(await source.files("")).toEqual(expected);
      expect(await source.list("stacks")).toEqual(["a", "b c"]);
      expect(await source.list("vendor")).toEqual([]);
      expect((await source.entry("stacks/a/link.toml"))?.symlink).toBe(true);
      expect(source.hasSymlinks()).toBe(true);
      expect(await source.readText("stacks/b c/é.yaml")).toBe("services: {}\n");
    } finally {
      await source.close();
    }
  });

  it("refuses a revision that is not a commit, or that holds a line break, and leaves no git behind", async () => {
    const before = gitChildren();
    await expect(GitCommitSource.open({ repository: repo.dir, revision: "no-such-branch" })).rejects.toThrow(
      /revision "no-such-branch" is not a commit here/,
    );
    // A second line would be a second request to git: never sent.
    await expect(GitCommitSource.open({ repository: repo.dir, revision: `HEAD\n${commit}` })).rejects.toThrow(
      /not an object name/,
    );
    await expect(GitCommitSource.open({ repository: repo.dir, revision: `${commit}^{tree}` })).rejects.toThrow(
      /is not a commit here/,
    );
    expect(gitChildren()).toBe(before);
  });

  it("gives up on a git that stops answering, at its deadline, and ends it", async () => {
    const batch = new GitBatch(repo.dir, 300);
    const first = await batch.read(commit);
    expect(first.type).toBe("commit");
    const child = (batch as unknown as { child: { pid: number; exitCode: number | null } }).child;
    process.kill(child.pid, "SIGSTOP");
    await expect(batch.read(`${commit}^{tree}`)).rejects.toThrow(/did not answer within 0.3 s/);
    process.kill(child.pid, "SIGCONT");
    await batch.close();
    await expect(batch.read(commit)).rejects.toThrow(/did not answer/);
  });
});
