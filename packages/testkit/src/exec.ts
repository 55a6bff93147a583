// One way to run a child process in tests: argv arrays, never a shell string.
import { spawn } from "node:child_process";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class CommandError extends Error {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
  readonly stdout: string;

  constructor(argv: readonly string[], result: RunResult) {
    super(`${argv.join(" ")} exited with ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "CommandError";
    this.argv = argv;
    this.exitCode = result.exitCode;
    this.stderr = result.stderr;
    this.stdout = result.stdout;
  }
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("run() needs a command");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const result = {
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        exitCode: code ?? (signal ? 128 : 1),
      };
      if (result.exitCode !== 0 && !options.allowFailure) reject(new CommandError(argv, result));
      else resolve(result);
    });
    child.stdin.end(options.input);
  });
}

/** The environment for a docker CLI call against one private daemon. */
export function dockerEnv(dockerHost: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: dockerHost };
}

/** Runs the docker CLI against one private daemon. */
export function docker(dockerHost: string, args: readonly string[], options: RunOptions = {}) {
  return run(["docker", ...args], { ...options, env: { ...dockerEnv(dockerHost), ...options.env } });
}

/** Removes every container of these Compose projects from a daemon. */
export async function removeProjects(dockerHost: string, projects: readonly string[]): Promise<void> {
  for (const project of projects) {
    const ids = (
      await docker(dockerHost, ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])
    ).stdout
      .split("\n")
      .filter(Boolean);
    if (ids.length > 0) await docker(dockerHost, ["rm", "-f", ...ids], { allowFailure: true });
  }
}
