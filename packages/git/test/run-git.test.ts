// git as Tugboat runs it, against real repositories: options cannot be
// smuggled in as URLs, only allowed transports work, calls have a deadline,
// and errors carry no credentials.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gitRepo, tempDir } from "@tugboat/testkit";
import { describe, expect, it } from "vitest";
import { GitError, git } from "../src/index.js";

describe("git", () => {
  it("passes a URL after -- so an option-looking URL is a path, not an option", async () => {
    const dir = await tempDir("tug-git-inject-");
    try {
      const marker = join(dir.path, "pwned");
      const error = await git(["ls-remote", "--", `--upload-pack=touch ${marker};`, "refs/heads/main"]).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GitError);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await dir.cleanup();
    }
  });

  it("refuses local paths and helper transports unless local is allowed", async () => {
    const repo = await gitRepo();
    try {
      await repo.commitAndPush("first");
      await expect(git(["ls-remote", "--", repo.remote])).rejects.toThrow(/not allowed/);
      await expect(git(["ls-remote", "--", "ext::sh -c true"])).rejects.toThrow(/not allowed/);
      const { stdout } = await git(["ls-remote", "--", repo.remote, "refs/heads/main"], { allowLocal: true });
      expect(stdout).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main/);
    } finally {
      await repo.cleanup();
    }
  });

  it("runs git without Tugboat's own settings in its environment", async () => {
    process.env.TUG_SECRET_GIT_ENV_TEST = "must-not-leak";
    try {
      const { stdout } = await git(["-c", "alias.show-env=!env", "show-env"]);
      expect(stdout).toContain("GIT_TERMINAL_PROMPT=0");
      expect(stdout).not.toContain("must-not-leak");
    } finally {
      delete process.env.TUG_SECRET_GIT_ENV_TEST;
    }
  });

  it("gives up on a call that outlives its deadline", async () => {
    const started = Date.now();
    const error = (await git(["-c", "alias.hang=!sleep 30", "hang"], { timeoutMs: 300 }).catch((e) => e)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("redacts credentials and named secrets from its errors", async () => {
    const error = (await git(["ls-remote", "--", "http://user:tok3n-value@127.0.0.1:9/r.git"], {
      secrets: ["tok3n-value"],
      timeoutMs: 10_000,
    }).catch((e) => e)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(`${error.message} ${error.stderr} ${error.argv.join(" ")}`).not.toContain("tok3n-value");
  });
});
