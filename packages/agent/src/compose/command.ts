// Builds compose argv for one project: `-p`, `-f` files and `--env-file`s,
// for either runner. docker-compose v1 takes one --env-file, so several are
// merged into one file by the caller first.
import type { ComposeRunner } from "./runner.js";

export interface ComposeProject {
  project: string;
  /** Absolute paths of the compose files. */
  files: readonly string[];
  /** Absolute paths of env files, in order (later wins). */
  envFiles: readonly string[];
}

export function composeArgv(runner: ComposeRunner, target: ComposeProject, command: readonly string[]): string[] {
  return [
    ...runner.argv,
    "-p",
    target.project,
    ...target.files.flatMap((file) => ["-f", file]),
    ...target.envFiles.flatMap((file) => ["--env-file", file]),
    ...command,
  ];
}
