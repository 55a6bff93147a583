// The env files a deploy hands to Compose, as Komodo's periphery does: the
// stack's environment is written to env_file_path (inside the checkout, mode
// 0600) when it has any; with none, a file already there (committed, or
// placed on the host at an absolute path) is used as it is, never emptied.
// Absolute additional env files are the operator's host files, read as they are.
import { lstat, mkdir, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { envFilePathProblem, isHostPath, TugError } from "@tugboat/protocol";
import type { ComposeRunner } from "../compose/runner.js";
import { readInside, requireInside, writeInside } from "../safety/checkout-paths.js";

export interface EnvFile {
  /** Absolute path: on the host, or inside the checkout. */
  path: string;
  /** The operator's file on the host (written absolute in the stack's config). */
  host: boolean;
}

export interface EnvFilePlan {
  envFile: EnvFile;
  extraEnvFiles: EnvFile[];
}

/** Resolves the env file paths of a request; `inside` maps a checkout-relative path, refusing escapes. */
export function planEnvFiles(options: {
  envFilePath: string;
  additionalEnvFiles: readonly string[];
  environment: string;
  inside: (path: string, what: string) => string;
}): EnvFilePlan {
  const problem = envFilePathProblem(options.envFilePath, options.environment);
  if (problem) throw new TugError("E_INVALID_REQUEST", problem);
  const resolve = (path: string, what: string): EnvFile =>
    isHostPath(path) ? { path, host: true } : { path: options.inside(path, what), host: false };
  return {
    envFile: resolve(options.envFilePath, "env_file_path"),
    extraEnvFiles: options.additionalEnvFiles.map((file) => resolve(file, "additional env file")),
  };
}

/**
 * Whether the file is there to use. In the checkout, only a committed file
 * counts: one left by an earlier deploy (whose environment is now empty) is
 * removed, or Compose would keep reading the old values from it.
 */
async function present(
  worktree: string,
  file: EnvFile,
  what: string,
  committed: (path: string) => boolean,
): Promise<boolean> {
  if ((await lstat(file.path).catch(() => undefined)) === undefined) return false;
  if (file.host) return true;
  await requireInside(worktree, file.path, what);
  if (committed(file.path)) return true;
  await rm(file.path, { force: true });
  return false;
}

function readEnvFile(worktree: string, file: EnvFile, what: string): Promise<string> {
  return file.host ? readFile(file.path, "utf8") : readInside(worktree, file.path, what);
}

/**
 * Writes what must be written and returns the `--env-file`s for Compose, in
 * order (later wins). docker-compose v1 reads one `--env-file`: the others
 * are appended to the one the agent writes.
 */
export async function prepareEnvFiles(options: {
  worktree: string;
  plan: EnvFilePlan;
  environment: string;
  runner: ComposeRunner;
  /** Whether the env file (absolute path, in the checkout) is committed. */
  committed: (path: string) => boolean;
}): Promise<string[]> {
  const { worktree, plan, environment, runner } = options;
  const { envFile, extraEnvFiles } = plan;
  for (const file of extraEnvFiles) if (!file.host) await requireInside(worktree, file.path, "additional env file");
  const existing = await present(worktree, envFile, "env_file_path", options.committed);
  const merge = runner.kind === "standalone" && extraEnvFiles.length > 0;
  const extras = extraEnvFiles.map((file) => file.path);
  if (environment.trim() === "" && !merge) return [...(existing ? [envFile.path] : []), ...extras];
  if (envFile.host)
    throw new TugError(
      "E_INVALID_REQUEST",
      `docker-compose v1 reads one --env-file: the additional env files would have to be merged into env_file_path "${envFile.path}", a host file the agent does not write; use a path inside the run directory`,
    );
  // With no environment of its own, the file already at env_file_path is the base the others are added to.
  let content =
    environment.trim() === "" && existing ? await readEnvFile(worktree, envFile, "env_file_path") : environment;
  if (merge)
    for (const file of extraEnvFiles) content += `\n${await readEnvFile(worktree, file, "additional env file")}`;
  await mkdir(dirname(envFile.path), { recursive: true });
  await writeInside(worktree, envFile.path, content.endsWith("\n") || content === "" ? content : `${content}\n`);
  return merge ? [envFile.path] : [envFile.path, ...extras];
}
