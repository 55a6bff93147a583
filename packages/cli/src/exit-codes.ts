// The one table from an error to tug's exit code: 0 success, 1 the input or
// the action failed (errors in the repository, a failed deploy, an agent or
// core that answered with a failure), 2 usage or I/O problems (bad flags, a
// file that cannot be read, a refused login, a name that does not exist).
import { CommanderError } from "commander";
import { UsageError } from "./usage-error.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Error codes (core's and the agent's) that mean "you asked wrongly", not "it failed". */
const USAGE_CODES: ReadonlySet<string> = new Set([
  "E_INVALID_REQUEST",
  "E_INVALID_NAME",
  "E_UNAUTHORIZED",
  "E_FORBIDDEN",
  "E_NOT_FOUND",
  "E_RATE_LIMITED",
]);

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof UsageError) return EXIT_USAGE;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && USAGE_CODES.has(code)) return EXIT_USAGE;
  if (typeof (error as NodeJS.ErrnoException).errno === "number") return EXIT_USAGE;
  return EXIT_FAILED;
}
