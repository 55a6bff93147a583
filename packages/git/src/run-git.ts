// The one way Tugboat runs git: an argv array (callers put `--` before every
// URL and path), a deadline, only the https, http and ssh transports (local
// paths where the caller allows them), no prompts, a scrubbed environment,
// and errors with credentials redacted.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { childEnv } from "./child-env.js";
import { redactText } from "./redact.js";

export interface GitOptions {
  cwd?: string;
  /** Added to the scrubbed environment (a token's `GIT_CONFIG_*` header, say). */
  env?: Readonly<Record<string, string>>;
  /** git is killed after this long; default 120 s. */
  timeoutMs?: number;
  /** Let git use file:// and local paths as remotes (core's own root repository only). */
  allowLocal?: boolean;
  /** Values masked in error messages (a token). */
  secrets?: readonly string[];
  /** Largest stdout kept; default 64 MiB. */
  maxBuffer?: number;
  signal?: AbortSignal;
}

const DEFAULT_GIT_TIMEOUT_MS = 120_000;

export class GitError extends Error {
  override readonly name = "GitError";
  readonly code = "E_GIT_FAILED";
  /** As run, with credentials redacted. */
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(init: {
    message: string;
    argv: readonly string[];
    exitCode: number | null;
    stderr: string;
    timedOut: boolean;
  }) {
    super(init.message);
    this.argv = init.argv;
    this.exitCode = init.exitCode;
    this.stderr = init.stderr;
    this.timedOut = init.timedOut;
  }
}

/** `-c` settings every git call gets: the transports it may use. */
function safetyConfig(allowLocal: boolean): string[] {
  const allowed = ["https", "http", "ssh", ...(allowLocal ? ["file"] : [])];
  return ["-c", "protocol.allow=never", ...allowed.flatMap((protocol) => ["-c", `protocol.${protocol}.allow=always`])];
}

function environment(options: GitOptions): NodeJS.ProcessEnv {
  return childEnv({
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "true",
    SSH_ASKPASS: "true",
    // ssh must not stop to ask about an unknown host key: it fails instead, with a message.
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    ...options.env,
  });
}

function clean(text: string, secrets: readonly string[]): string {
  let result = redactText(text);
  for (const secret of secrets) if (secret.length >= 3) result = result.replaceAll(secret, "***");
  return result;
}

/** The subcommand and its first arguments, for messages (never a URL's credentials). */
function describe(args: readonly string[], secrets: readonly string[]): string {
  const shown = args.filter((a, i) => !(args[i - 1] === "-C" || a === "-C")).slice(0, 2);
  return clean(`git ${shown.join(" ")}`, secrets);
}

export function git(args: readonly string[], options: GitOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const secrets = options.secrets ?? [];
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const argv = [...safetyConfig(options.allowLocal ?? false), ...args];
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      argv,
      {
        cwd: options.cwd,
        env: environment(options),
        encoding: "utf8",
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const failure = error as NodeJS.ErrnoException & {
          killed?: boolean;
          signal?: string | null;
          code?: number | string;
        };
        const timedOut = failure.killed === true && failure.signal === "SIGKILL";
        const what = describe(args, secrets);
        const detail = clean(String(stderr ?? "").trim(), secrets)
          .split("\n")
          .slice(-3)
          .join(" | ");
        const message =
          failure.code === "ENOENT"
            ? "git is not installed (or not on PATH)"
            : timedOut
              ? `${what} did not finish within ${Math.round(timeoutMs / 1000)} s`
              : failure.name === "AbortError"
                ? `${what} was cancelled`
                : `${what} failed${detail ? `: ${detail}` : ` (${clean(failure.message, secrets)})`}`;
        reject(
          new GitError({
            message,
            argv: argv.map((a) => clean(a, secrets)),
            exitCode: typeof failure.code === "number" ? failure.code : null,
            stderr: clean(String(stderr ?? ""), secrets),
            timedOut,
          }),
        );
      },
    );
  });
}

/** A long-lived git child (`cat-file --batch`) with the same settings; the caller owns its lifetime. */
export function spawnGit(
  args: readonly string[],
  options: Omit<GitOptions, "timeoutMs" | "maxBuffer"> = {},
): ChildProcessWithoutNullStreams {
  return spawn("git", [...safetyConfig(options.allowLocal ?? false), ...args], {
    cwd: options.cwd,
    env: environment(options),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
