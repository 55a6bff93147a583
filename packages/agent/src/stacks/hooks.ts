// Komodo's pre_deploy and post_deploy: a shell command the repository gives,
// run in the stack's checkout. Like Komodo's periphery, several lines run as
// one command joined with `&&` (blank lines and `#` comments dropped), so the
// first failing line stops it and fails the deploy.

/** The argv for a stack command, or undefined when there is none. */
export function hookArgv(command: string): string[] | undefined {
  const lines = command
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  return lines.length === 0 ? undefined : ["sh", "-c", lines.join(" && ")];
}
