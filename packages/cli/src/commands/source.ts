// Opens the repository a command reads: a working tree, or a commit with --commit.
import { stat } from "node:fs/promises";
import { GitCommitSource, type RepoSource, WorkingTreeSource } from "@tugboat/config";
import { git } from "@tugboat/git";
import { UsageError } from "../usage-error.js";

export async function openSource(dir: string, commit: string | undefined): Promise<RepoSource> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  if (!commit) return WorkingTreeSource.open(dir);
  try {
    return await GitCommitSource.open({ repository: dir, revision: commit });
  } catch (error) {
    throw new UsageError(`cannot read commit "${commit}" in ${dir}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/**
 * What identifies the checkout offline: its remotes' URLs, and the branch
 * checked out (none for `--commit` or a detached HEAD). Stacks naming this
 * repository by `repo` or a [[repo]] read their files from it.
 */
export async function checkoutIdentity(
  dir: string,
  commit: string | undefined,
): Promise<{ selfRepositories: string[]; selfBranch?: string }> {
  const run = (args: string[]) =>
    git(["-C", dir, ...args], { timeoutMs: 10_000 }).then(
      (result) => result.stdout,
      () => "",
    );
  const remotes = await run(["remote", "-v"]);
  const selfRepositories = [
    ...new Set(
      remotes
        .split("\n")
        .map((line) => line.split(/\s+/)[1])
        .filter((url): url is string => Boolean(url)),
    ),
  ];
  const branch = commit ? "" : (await run(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
  return { selfRepositories, ...(branch ? { selfBranch: branch } : {}) };
}
