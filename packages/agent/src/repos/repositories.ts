// Git on the agent: one bare mirror per repository URL, one worktree per
// stack at `<root>/stacks/<stack>`, checked out at exactly the commit core
// names. Moving one stack never touches another stack's files. A token is
// passed to git through its environment for one command: never written to
// disk, never in argv, masked in output.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { checkRemoteUrl, git, redactUrl } from "@tugboat/git";
import { TugError } from "@tugboat/protocol";

/** A first fetch of a large repository over a slow link may take a while; not forever. */
const FETCH_TIMEOUT_MS = 600_000;
const yes = () => true;
const no = () => false;

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
    // Core checked the URL against its rules (a local path only for its own root repository);
    // here it must at least be something git cannot read as an option or a remote helper.
    const remote = checkRemoteUrl(options.url, { allowLocal: true });
    if (!remote.ok) throw new TugError("E_INVALID_REQUEST", `refusing repository: ${remote.problem}`);
    const run = (args: string[], timeoutMs?: number) =>
      this.runGit(args, { ...options, allowLocal: remote.kind === "local", ...(timeoutMs ? { timeoutMs } : {}) });
    const worktree = this.worktreePath(options.stack);
    const checkout = ["-C", worktree, "checkout", "--quiet", "--detach", "--force", options.commit, "--"];
    // A redeploy or a rollback: the stack's worktree of this mirror exists and the mirror most
    // likely holds the commit. One git process; if the commit is not there, checkout fails changing nothing.
    const ours = existsSync(worktree) && (await this.worktreeMirror(worktree)) === mirror;
    if (ours && (await run(checkout).then(yes, no))) return worktree;
    if (!existsSync(join(mirror, "HEAD"))) {
      await mkdir(join(this.root, "repos"), { recursive: true, mode: 0o700 });
      await run(["init", "--bare", "--quiet", "--", mirror]);
    }
    // Where that checkout just failed, the mirror lacks the commit: fetch without asking git first.
    if (ours || !(await this.hasCommit(mirror, options.commit))) {
      options.onLine?.(`fetching ${redactUrl(options.url)}`);
      await run(
        ["-C", mirror, "fetch", "--quiet", "--no-tags", "--", options.url, "+refs/heads/*:refs/heads/*"],
        FETCH_TIMEOUT_MS,
      );
    }
    if (existsSync(worktree) && !ours) {
      // The stack moved to another repository: start its checkout afresh.
      await rm(worktree, { recursive: true, force: true });
    }
    const place = async () => {
      if (existsSync(worktree)) return run(checkout);
      await mkdir(join(this.root, "stacks"), { recursive: true, mode: 0o700 });
      await run(["-C", mirror, "worktree", "prune"]);
      await run(["-C", mirror, "worktree", "add", "--quiet", "--detach", "--force", "--", worktree, options.commit]);
    };
    // The commit is usually a branch's, fetched above; the checkout finds out. Only where it
    // fails for want of the commit is it asked for by name (one no branch reaches any more).
    await place().catch(async (error: unknown) => {
      if (await this.hasCommit(mirror, options.commit)) throw error;
      await run(["-C", mirror, "fetch", "--quiet", "--", options.url, options.commit], FETCH_TIMEOUT_MS).catch(
        () => undefined,
      );
      if (!(await this.hasCommit(mirror, options.commit))) {
        throw new TugError("E_GIT_FAILED", `commit ${options.commit} is not in ${redactUrl(options.url)}`);
      }
      await place();
    });
    return worktree;
  }

  private async hasCommit(mirror: string, commit: string): Promise<boolean> {
    return git(["-C", mirror, "cat-file", "-e", "--end-of-options", `${commit}^{commit}`]).then(
      () => true,
      () => false,
    );
  }

  private async worktreeMirror(worktree: string): Promise<string | undefined> {
    const link = await readFile(join(worktree, ".git"), "utf8").catch(() => "");
    const match = /^gitdir: (.*)\/worktrees\/[^/]+\s*$/.exec(link.trim());
    return match?.[1];
  }

  private async runGit(
    args: string[],
    options: { token?: string; allowLocal: boolean; timeoutMs?: number },
  ): Promise<void> {
    const env: Record<string, string> = {};
    if (options.token) {
      const basic = Buffer.from(`x-access-token:${options.token}`).toString("base64");
      Object.assign(env, {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      });
    }
    await git(args, {
      env,
      allowLocal: options.allowLocal,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      secrets: options.token ? [options.token, Buffer.from(`x-access-token:${options.token}`).toString("base64")] : [],
    }).catch((error: Error) => {
      throw new TugError("E_GIT_FAILED", error.message, { cause: error });
    });
  }
}
