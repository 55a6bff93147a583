// The tug command tree. Each command lives in its own file under commands/ and
// is loaded only when it runs, so `tug --help` stays fast.
import { createRequire } from "node:module";
import { Command } from "commander";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Commands set the exit code here; bin.ts exits with it. */
export const outcome = { exitCode: 0 };

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function buildProgram(): Command {
  const program = new Command("tug")
    .description("Tugboat: GitOps for fleets of Docker hosts")
    .version(version)
    .showHelpAfterError()
    .exitOverride();

  program
    .command("validate")
    .description("check a fleet repository: TOML resources, compose files, references (exit 1 on errors)")
    .argument("[dir]", "repository folder", ".")
    .option(
      "--resources <path>",
      "resource file or folder to read (repeatable); default: the repository's own resource_sync, else syncs/",
      collect,
    )
    .option("--commit <rev>", "read this commit of DIR's Git repository instead of the working tree")
    .option("--json", "print { errors, warnings } as JSON")
    .action(async (dir: string, options) => {
      const { validateCommand } = await import("./commands/validate.js");
      outcome.exitCode = await validateCommand(dir, options);
    });

  program
    .command("plan")
    .description("show what applying the repository would change and which stacks would deploy, and why")
    .argument("[dir]", "repository folder", ".")
    .option("--resources <path>", "resource file or folder to read (repeatable)", collect)
    .option("--commit <rev>", "plan this commit of DIR's Git repository instead of the working tree")
    .option("--state <file>", "current state (JSON, as written by --write-state); default: nothing deployed")
    .option("--write-state <file>", "write the state after this plan is applied")
    .option("--json", "print the plan as JSON")
    .action(async (dir: string, options) => {
      const { planCommand } = await import("./commands/plan.js");
      outcome.exitCode = await planCommand(dir, options);
    });

  return program;
}
