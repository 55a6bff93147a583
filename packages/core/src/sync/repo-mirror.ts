// Core's bare mirror per repository: a cheap ref check for polling, and a
// fetch of one branch when its head moved. Every URL is checked first (a
// local path only for core's own TUG_SYNC_REPO), every call has a deadline,
// and close() cancels what is still running.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkBranch, checkRemoteUrl, git, redactUrl } from "@tugboat/git";
import { TugError } from "@tugboat/protocol";

export interface RepoMirrorsOptions {
  dir: string;
  /** URLs core itself was given (TUG_SYNC_REPO): the only ones that may be local paths. */
  trustedLocal: readonly string[];
  /** Deadline of a ref check (`ls-remote`). */
  lsRemoteTimeoutMs?: number;
  /** Deadline of a fetch. */
  fetchTimeoutMs?: number;
}

export class RepoMirrors {
  /** One fetch at a time per mirror. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly abort = new AbortController();
  /** Per mirror, the head its last `fetchHead` found: a commit it holds, known without asking git. */
  private readonly fetched = new Map<string, string>();

  constructor(private readonly options: RepoMirrorsOptions) {}

  path(url: string): string {
    return join(this.options.dir, `${createHash("sha256").update(url).digest("hex").slice(0, 16)}.git`);
  }

  /** Cancels every git call still running; later calls fail at once. */
  close(): void {
    this.abort.abort();
  }

  /** Whether git may read `url` as a local path: only a URL core was configured with. */
  private allowLocal(url: string): boolean {
    return this.options.trustedLocal.includes(url);
  }

  private checked(url: string, branch: string): { allowLocal: boolean } {
    const allowLocal = this.allowLocal(url);
    const remote = checkRemoteUrl(url, { allowLocal });
    if (!remote.ok) throw new TugError("E_GIT_FAILED", `refusing repository ${redactUrl(url)}: ${remote.problem}`);
    const problem = checkBranch(branch);
    if (problem) throw new TugError("E_GIT_FAILED", `refusing ${redactUrl(url)}: ${problem}`);
    return { allowLocal };
  }

  /** The commit at the head of `branch`, asking the remote (no fetch). */
  async remoteHead(url: string, branch: string): Promise<string> {
    const { allowLocal } = this.checked(url, branch);
    const { stdout } = await git(["ls-remote", "--", url, `refs/heads/${branch}`], {
      allowLocal,
      timeoutMs: this.options.lsRemoteTimeoutMs ?? 30_000,
      signal: this.abort.signal,
    }).catch((error: Error) => {
      throw new TugError("E_GIT_FAILED", `cannot reach ${redactUrl(url)}: ${error.message}`, { cause: error });
    });
    const sha = stdout.split("\t")[0]?.trim();
    if (!sha) throw new TugError("E_GIT_FAILED", `branch ${branch} not found in ${redactUrl(url)}`);
    return sha;
  }

  /** Fetches `branch` into the mirror when it lacks `commit`; returns the mirror's path. */
  fetch(url: string, branch: string, commit: string): Promise<string> {
    return this.queued(url, branch, async (mirror, allowLocal, signal) => {
      if (this.fetched.get(mirror) === commit) return mirror;
      const has = await git(["-C", mirror, "cat-file", "-e", "--end-of-options", `${commit}^{commit}`], {
        signal,
      }).then(
        () => true,
        () => false,
      );
      if (!has) await this.fetchBranch(mirror, url, branch, allowLocal, signal);
      return mirror;
    });
  }

  /**
   * Fetches `branch` into the mirror and returns its head: what `remoteHead`
   * then `fetch` find, in one git process instead of two, for a check that
   * expects a new commit (a push webhook). Its deadline is a fetch's.
   */
  fetchHead(url: string, branch: string): Promise<string> {
    return this.queued(url, branch, async (mirror, allowLocal, signal) => {
      await this.fetchBranch(mirror, url, branch, allowLocal, signal, `cannot reach ${redactUrl(url)}`);
      // A fetch of one ref writes one line: "<sha>\t\tbranch '<branch>' of <url>".
      const head = /^([0-9a-f]{40,64})\t/.exec(await readFile(join(mirror, "FETCH_HEAD"), "utf8"))?.[1];
      if (!head) throw new TugError("E_GIT_FAILED", `branch ${branch} not found in ${redactUrl(url)}`);
      this.fetched.set(mirror, head);
      return head;
    });
  }

  /** Runs `work` on `url`'s mirror once what is queued there is done, creating the mirror first. */
  private queued<T>(
    url: string,
    branch: string,
    work: (mirror: string, allowLocal: boolean, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const mirror = this.path(url);
    const previous = this.queues.get(mirror) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const { allowLocal } = this.checked(url, branch);
        const signal = this.abort.signal;
        if (!existsSync(join(mirror, "HEAD"))) {
          await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
          await git(["init", "--bare", "--quiet", "--", mirror], { signal });
        }
        return work(mirror, allowLocal, signal);
      });
    this.queues.set(mirror, next);
    return next;
  }

  private async fetchBranch(
    mirror: string,
    url: string,
    branch: string,
    allowLocal: boolean,
    signal: AbortSignal,
    failure = `fetching ${branch} from ${redactUrl(url)} failed`,
  ): Promise<void> {
    // FETCH_HEAD is written even where a user's git config says not to: fetchHead reads it.
    const refspec = `+refs/heads/${branch}:refs/heads/${branch}`;
    await git(["-C", mirror, "fetch", "--quiet", "--no-tags", "--write-fetch-head", "--", url, refspec], {
      allowLocal,
      timeoutMs: this.options.fetchTimeoutMs ?? 600_000,
      signal,
    }).catch((error: Error) => {
      throw new TugError("E_GIT_FAILED", `${failure}: ${error.message}`, { cause: error });
    });
  }
}
