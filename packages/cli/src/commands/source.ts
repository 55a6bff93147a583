// Opens the repository a command reads: a working tree, or a commit with --commit.
import { stat } from "node:fs/promises";
import { GitCommitSource, type RepoSource, WorkingTreeSource } from "@tugboat/config";
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
