// Core's bare mirror per repository: a cheap ref check for polling, and a
// fetch of one branch when its head moved.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { TugError } from "@tugboat/protocol";

const run = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: "0" };

export class RepoMirrors {
  /** One fetch at a time per mirror. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  path(url: string): string {
    return join(this.dir, `${createHash("sha256").update(url).digest("hex").slice(0, 16)}.git`);
  }

  /** The commit at the head of `branch`, asking the remote (no fetch). */
  async remoteHead(url: string, branch: string): Promise<string> {
    const { stdout } = await run("git", ["ls-remote", url, `refs/heads/${branch}`], { env: GIT_ENV }).catch(
      (error: Error) => {
        throw new TugError("E_GIT_FAILED", `cannot reach ${url}: ${error.message.split("\n").slice(-2).join(" ")}`);
      },
    );
    const sha = stdout.split("\t")[0]?.trim();
    if (!sha) throw new TugError("E_GIT_FAILED", `branch ${branch} not found in ${url}`);
    return sha;
  }

  /** Fetches `branch` into the mirror when it lacks `commit`; returns the mirror's path. */
  fetch(url: string, branch: string, commit: string): Promise<string> {
    const mirror = this.path(url);
    const previous = this.queues.get(mirror) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        if (!existsSync(join(mirror, "HEAD"))) {
          await mkdir(this.dir, { recursive: true });
          await run("git", ["init", "--bare", "--quiet", mirror]);
        }
        const has = await run("git", ["-C", mirror, "cat-file", "-e", `${commit}^{commit}`]).then(
          () => true,
          () => false,
        );
        if (!has) {
          await run("git", ["-C", mirror, "fetch", "--quiet", url, `+refs/heads/${branch}:refs/heads/${branch}`], {
            env: GIT_ENV,
          }).catch((error: Error) => {
            throw new TugError(
              "E_GIT_FAILED",
              `fetching ${branch} from ${url} failed: ${error.message.split("\n").slice(-2).join(" ")}`,
            );
          });
        }
        return mirror;
      });
    this.queues.set(mirror, next);
    return next;
  }
}
