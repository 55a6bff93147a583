// Git on the agent: one bare mirror per repository URL, one worktree per
// stack at `<root>/stacks/<stack>`, checked out at exactly the commit core
// names. Moving one stack never touches another stack's files. A token is
// passed to git through its environment for one command: never written to
// disk, never in argv, masked in output.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { TugError } from "@tugboat/protocol";
import { exec } from "../exec/exec.js";

export interface CheckoutOptions {
  stack: string;
  url: string;
  commit: string;
  token?: string;
  onLine?: (line: string) => void;
}

export class Repositories {
  private readonly root: string;
  /** One git operation at a time per mirror: fetches and worktree changes take its locks. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(root: string) {
    this.root = root;
  }

  worktreePath(stack: string): string {
    return join(this.root, "stacks", stack);
  }

  mirrorPath(url: string): string {
    return join(this.root, "repos", `${createHash("sha256").update(url).digest("hex").slice(0, 16)}.git`);
  }

  checkout(options: CheckoutOptions): Promise<string> {
    const mirror = this.mirrorPath(options.url);
    const previous = this.queues.get(mirror) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.checkoutNow(mirror, options));
    this.queues.set(mirror, next);
    return next;
  }

  private async checkoutNow(mirror: string, options: CheckoutOptions): Promise<string> {
    const git = (args: string[], cwd?: string) => this.git(args, { ...options, ...(cwd ? { cwd } : {}) });
    if (!existsSync(join(mirror, "HEAD"))) {
      await mkdir(join(this.root, "repos"), { recursive: true });
      await git(["init", "--bare", "--quiet", mirror]);
    }
    if (!(await this.hasCommit(mirror, options.commit))) {
      options.onLine?.(`fetching ${redactUrl(options.url)}`);
      await git(["-C", mirror, "fetch", "--quiet", "--no-tags", options.url, "+refs/heads/*:refs/heads/*"]);
      if (!(await this.hasCommit(mirror, options.commit))) {
        await git(["-C", mirror, "fetch", "--quiet", options.url, options.commit]).catch(() => undefined);
      }
      if (!(await this.hasCommit(mirror, options.commit))) {
        throw new TugError("E_GIT_FAILED", `commit ${options.commit} is not in ${redactUrl(options.url)}`);
      }
    }
    const worktree = this.worktreePath(options.stack);
    if (existsSync(worktree) && (await this.worktreeMirror(worktree)) !== mirror) {
      // The stack moved to another repository: start its checkout afresh.
      await rm(worktree, { recursive: true, force: true });
    }
    if (existsSync(worktree)) {
      await git(["-C", worktree, "checkout", "--quiet", "--detach", "--force", options.commit]);
    } else {
      await mkdir(join(this.root, "stacks"), { recursive: true });
      await git(["-C", mirror, "worktree", "prune"]);
      await git(["-C", mirror, "worktree", "add", "--quiet", "--detach", "--force", worktree, options.commit]);
    }
    return worktree;
  }

  private async hasCommit(mirror: string, commit: string): Promise<boolean> {
    const result = await exec(["git", "-C", mirror, "cat-file", "-e", `${commit}^{commit}`], { allowFailure: true });
    return result.exitCode === 0;
  }

  private async worktreeMirror(worktree: string): Promise<string | undefined> {
    const link = await readFile(join(worktree, ".git"), "utf8").catch(() => "");
    const match = /^gitdir: (.*)\/worktrees\/[^/]+\s*$/.exec(link.trim());
    return match?.[1];
  }

  private async git(args: string[], options: { token?: string; cwd?: string }): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true" };
    if (options.token) {
      const basic = Buffer.from(`x-access-token:${options.token}`).toString("base64");
      Object.assign(env, {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      });
    }
    const result = await exec(["git", ...args], {
      env,
      allowFailure: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    if (result.exitCode !== 0) {
      const stderr = options.token ? result.stderr.replaceAll(options.token, "***") : result.stderr;
      throw new TugError(
        "E_GIT_FAILED",
        `git ${args
          .filter((a) => !a.startsWith("/"))
          .slice(0, 3)
          .join(" ")} failed: ${stderr.trim()}`,
      );
    }
  }
}

/** A URL for messages: any user:password@ part removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]+@/, "//***@");
}
