// A long-running child process (a core or an agent) started for a test: waits
// for the line that says it is ready, and can be killed hard to simulate a crash.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export interface Service {
  /** The ready line's match (e.g. the port it listens on). */
  ready: RegExpExecArray;
  pid: number | undefined;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** SIGKILL: no clean-up, as a crash or a power cut. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export async function startService(options: {
  argv: string[];
  env: NodeJS.ProcessEnv;
  ready: RegExp;
  timeoutMs?: number;
}): Promise<Service> {
  const [command, ...args] = options.argv;
  if (!command) throw new Error("startService: empty argv");
  const child: ChildProcess = spawn(command, args, { env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${options.argv.join(" ")} not ready after ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = options.ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.argv.join(" ")} exited with ${code} before it was ready:\n${output}`));
    });
  });
  const signal = async (name: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    ready,
    pid: child.pid,
    output: () => output,
    kill: () => signal("SIGKILL", 0),
    stop: () => signal("SIGTERM", 10_000),
  };
}

/** A TCP port free on loopback right now (for a service that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
