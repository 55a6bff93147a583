// The `tug` entry point: the only place that calls process.exit.
// Exit codes: 0 success, 1 the input has errors, 2 usage or I/O problems.
import { TugError } from "@tugboat/protocol";
import { CommanderError } from "commander";
import { buildProgram, outcome } from "./program.js";
import { UsageError } from "./usage-error.js";

try {
  await buildProgram().parseAsync(process.argv);
  process.exitCode = outcome.exitCode;
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; commander has already printed its message.
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  console.error(`tug: ${error instanceof Error ? error.message : String(error)}`);
  const usage =
    error instanceof UsageError ||
    (error instanceof TugError && error.code === "E_INVALID_REQUEST") ||
    typeof (error as NodeJS.ErrnoException).errno === "number";
  process.exit(usage ? 2 : 1);
}
