// The `tug` entry point: the only place that calls process.exit, with the
// exit code exit-codes.ts assigns.
import { CommanderError } from "commander";
import { exitCodeFor } from "./exit-codes.js";
import { buildProgram, outcome } from "./program.js";

try {
  await buildProgram().parseAsync(process.argv);
  process.exitCode = outcome.exitCode;
} catch (error) {
  // commander has already printed its own message (and help and version exit 0).
  if (!(error instanceof CommanderError))
    console.error(`tug: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(exitCodeFor(error));
}
