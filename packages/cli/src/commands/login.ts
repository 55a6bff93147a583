// `tug login`: exchanges a username and password (and a two-factor code, with
// --code or TUG_TOTP_CODE) for a session token, saved (mode 0600) for the
// other client commands. The password comes from --password-stdin,
// TUG_PASSWORD, or a prompt that does not echo it.
import { createInterface } from "node:readline";
import { CREDENTIALS_FILE, saveCredentials } from "../core-client.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { UsageError } from "../usage-error.js";

async function readPassword(fromStdin: boolean): Promise<string> {
  if (process.env.TUG_PASSWORD) return process.env.TUG_PASSWORD;
  if (fromStdin || !process.stdin.isTTY) {
    let text = "";
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, "");
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (text: string) => void };
  process.stdout.write("password: ");
  muted._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stdout.write("\n");
  return answer;
}

export async function loginCommand(options: {
  core?: string;
  username?: string;
  passwordStdin?: boolean;
  code?: string;
}): Promise<number> {
  const core = (options.core || process.env.TUG_CORE_URL || "").replace(/\/$/, "");
  if (!core) throw new UsageError("pass --core URL or set TUG_CORE_URL");
  const username = options.username || process.env.TUG_USERNAME;
  if (!username) throw new UsageError("pass --username or set TUG_USERNAME");
  const password = await readPassword(options.passwordStdin ?? false);
  const code = options.code || process.env.TUG_TOTP_CODE;
  const res = await fetch(`${core}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password, ...(code ? { code } : {}) }),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error) => {
    throw new UsageError(`cannot reach core at ${core}: ${error.message}`);
  });
  const body = (await res.json()) as { token?: string; error?: { code: string; message: string } };
  if (body.error?.code === "E_TOTP_REQUIRED") {
    process.stderr.write(`login failed: ${username} has two-factor; pass --code with the authenticator's code\n`);
    return EXIT_FAILED;
  }
  if (!res.ok || !body.token) {
    process.stderr.write(`login failed: ${body.error?.message ?? `HTTP ${res.status}`}\n`);
    return EXIT_FAILED;
  }
  await saveCredentials({ core, token: body.token });
  process.stdout.write(`logged in to ${core} as ${username}; token saved in ${CREDENTIALS_FILE}\n`);
  return EXIT_OK;
}
