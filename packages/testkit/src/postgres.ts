// A private PostgreSQL server for tests, from Debian's packages: its own data
// dir and port on 127.0.0.1, run as the postgres user (it refuses root), and
// removed when stopped or when the process that started it dies.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { run } from "./exec.js";
import { waitFor } from "./wait.js";

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** A fresh, empty database on this server. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : undefined;
}

/** Why PostgreSQL-backed tests cannot run here, or undefined. */
export function postgresUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return "a private PostgreSQL needs root (to run it as the postgres user)";
  if (!postgresBin()) return "PostgreSQL is not installed (apt-get install -y postgresql)";
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const asPostgres = (argv: string[]) => run(["runuser", "-u", "postgres", "--", ...argv]);

export async function startPostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed (apt-get install -y postgresql)");
  const dir = await mkdtemp("/tmp/tugpg-");
  await chmod(dir, 0o777);
  const data = join(dir, "data");
  await asPostgres([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const server = spawn(
    "runuser",
    [
      "-u",
      "postgres",
      "--",
      join(bin, "postgres"),
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
    ],
    { stdio: "ignore", detached: true },
  );
  server.unref();
  // If this process dies, the watchdog stops the server and removes its files.
  const watchdog = spawn(
    "sh",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; pkill -KILL -f "postgres -D $2"; rm -rf "$3"',
      "tugpg-watchdog",
      String(process.pid),
      data,
      dir,
    ],
    { stdio: "ignore", detached: true },
  );
  watchdog.unref();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(
    async () =>
      (await run([join(bin, "pg_isready"), "-h", "127.0.0.1", "-p", String(port)], { allowFailure: true })).exitCode ===
      0,
    { what: `PostgreSQL on port ${port} to accept connections`, timeoutMs: 30_000 },
  );
  return {
    url,
    async createDatabase(name) {
      await run([
        join(bin, "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        "postgres",
        "-c",
        `create database "${name}"`,
      ]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (watchdog.pid) process.kill(watchdog.pid, "SIGKILL");
      await asPostgres([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]).catch(() => undefined);
      await run(["rm", "-rf", dir]);
    },
  };
}
