// Core's bare mirror per repository: a cheap ref check for polling, and a
// fetch of one branch when its head moved. Every URL is checked first (a
// local path only for core's own TUG_SYNC_REPO), every call has a deadline,
// and close() cancels what is still running.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
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
        const has = await git(["-C", mirror, "cat-file", "-e", "--end-of-options", `${commit}^{commit}`], {
          signal,
        }).then(
          () => true,
          () => false,
        );
        if (!has) {
          await git(
            ["-C", mirror, "fetch", "--quiet", "--no-tags", "--", url, `+refs/heads/${branch}:refs/heads/${branch}`],
            {
              allowLocal,
              timeoutMs: this.options.fetchTimeoutMs ?? 600_000,
              signal,
            },
          ).catch((error: Error) => {
            throw new TugError("E_GIT_FAILED", `fetching ${branch} from ${redactUrl(url)} failed: ${error.message}`, {
              cause: error,
            });
          });
        }
        return mirror;
      });
    this.queues.set(mirror, next);
    return next;
  }
}
