// The one way the agent runs a child process: an argv array, never a shell
// string; output streamed line by line; failures carry everything an
// operator needs (argv, exit code, stderr).
import { spawn } from "node:child_process";

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
  env?: NodeJS.ProcessEnv;
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
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, shell: false });
    const collected = { stdout: "", stderr: "" };
    const pending = { stdout: "", stderr: "" };
    const take = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      collected[stream] += text;
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
      if (exitCode !== 0 && !options.allowFailure) reject(new ExecError(argv, exitCode, collected.stderr));
      else resolve({ exitCode, ...collected });
    });
    child.stdin.end();
  });
}
