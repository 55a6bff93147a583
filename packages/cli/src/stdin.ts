// Secrets come on standard input, never on the command line (which other
// users of the host can see in the process list).

/** All of standard input, without the one trailing newline `echo` adds. */
export async function readStdinValue(): Promise<string> {
  let value = "";
  for await (const chunk of process.stdin) value += chunk;
  return value.replace(/\r?\n$/, "");
}
