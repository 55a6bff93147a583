// The tug command tree. Each command lives in its own file under commands/ and
// is loaded only when it runs, so `tug --help` stays fast.
import { createRequire } from "node:module";
import { Command } from "commander";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

export function buildProgram(): Command {
  const program = new Command("tug")
    .description("Tugboat: GitOps for fleets of Docker hosts")
    .version(version)
    .showHelpAfterError();
  return program;
}
