// `tug variable ls | set | rm`: the variables and secrets core holds for the
// `[[NAME]]`s a repository only names. A value is read from standard input,
// never from the command line (which other users of the host can see).
import { CoreClient } from "../core-client.js";
import { EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { readStdinValue } from "../stdin.js";

interface VariableView {
  name: string;
  secret: boolean;
  description: string;
  value: string;
  updatedAt: string;
}

export async function variableListCommand(options: { core?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const variables = await client.request<VariableView[]>("GET", "/api/variables");
  if (options.json) process.stdout.write(`${JSON.stringify(variables, null, 2)}\n`);
  else
    for (const v of variables)
      process.stdout.write(
        `${v.name}\t${v.secret ? "(secret)" : v.value}${v.description ? `\t# ${v.description}` : ""}\n`,
      );
  return EXIT_OK;
}

export async function variableSetCommand(
  name: string,
  options: { core?: string; secret?: boolean; description?: string },
): Promise<number> {
  if (process.stdin.isTTY) {
    process.stderr.write(
      `give the value of ${name} on standard input, e.g.: printf %s "$VALUE" | tug variable set ${name}\n`,
    );
    return EXIT_USAGE;
  }
  const value = await readStdinValue();
  const client = await CoreClient.from(options);
  await client.request("PUT", `/api/variables/${encodeURIComponent(name)}`, {
    value,
    secret: options.secret === true,
    description: options.description ?? "",
  });
  process.stdout.write(`set ${name}${options.secret ? " (secret)" : ""}\n`);
  return EXIT_OK;
}

export async function variableRemoveCommand(name: string, options: { core?: string }): Promise<number> {
  const client = await CoreClient.from(options);
  await client.request("DELETE", `/api/variables/${encodeURIComponent(name)}`);
  process.stdout.write(`removed ${name}\n`);
  return EXIT_OK;
}
