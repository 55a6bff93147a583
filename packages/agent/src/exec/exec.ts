// The one way the agent runs a child process: an argv array, never a shell
// string; the agent's own settings (its passkey) kept out of the child's
// environment; a deadline; output streamed line by line; failures carry
// everything an operator needs (argv, exit code, stderr).
import { spawn } from "node:child_process";
import { childEnv } from "@tugboat/git";

const KEEP_BYTES = 1024 * 1024;

export class ExecError extends Error {
  override readonly name = "ExecError";
  readonly code = "E_EXEC_FAILED";
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number, stderr: string) {
    const last = stderr.trim().split("\n").slice(-3).join(" | ");
    super(`${argv.join(" ")} exited with ${exitCode}${last ? `: ${last}` : ""}`);
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface ExecOptions {
  cwd?: string;
  /** Default: the agent's environment without its TUG_* settings. */
  env?: NodeJS.ProcessEnv;
  /** The child is killed after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Called with each complete output line as it arrives. */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** Resolve with the exit code instead of throwing ExecError. */
  allowFailure?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new Error("exec needs a command"));
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 600_000;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      shell: false,
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    const collected = { stdout: "", stderr: "" };
    const pending = { stdout: "", stderr: "" };
    const take = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      // Lines are streamed as they come; only the last megabyte is kept for the result and errors.
      collected[stream] = (collected[stream] + text).slice(-KEEP_BYTES);
      pending[stream] += text;
      const lines = pending[stream].split("\n");
      pending[stream] = lines.pop() ?? "";
      for (const line of lines) options.onLine?.(stream, line);
    };
    child.stdout.on("data", take("stdout"));
    child.stderr.on("data", take("stderr"));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      for (const stream of ["stdout", "stderr"] as const) {
        if (pending[stream]) options.onLine?.(stream, pending[stream]);
      }
      const exitCode = code ?? (signal ? 128 : 1);
      const stderr =
        signal === "SIGKILL" && code === null
          ? `${collected.stderr}\nkilled after ${timeoutMs / 1000} s`
          : collected.stderr;
      if (exitCode !== 0 && !options.allowFailure) reject(new ExecError(argv, exitCode, stderr));
      else resolve({ exitCode, ...collected });
    });
    child.stdin.end();
  });
}
