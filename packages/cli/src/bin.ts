// The `tug` entry point: the only place that calls process.exit.
import { buildProgram } from "./program.js";

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`tug: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
