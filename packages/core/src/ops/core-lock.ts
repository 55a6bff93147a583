// One core per state: a lock file in the data dir (SQLite) or a session
// advisory lock (PostgreSQL), held while core runs. A second core, or a
// restore, finds it and refuses instead of writing under a live core.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { TugError } from "@tugboat/protocol";
import pg from "pg";

/** "tugb" as a number: the advisory lock key every core on a database takes. */
const ADVISORY_KEY = 0x74756762;

export interface CoreLock {
  release(): Promise<void>;
}

/** The pid of a live core holding `dataDir` on this host, or undefined. */
function holder(dataDir: string): number | undefined {
  const file = join(dataDir, "core.lock");
  if (!existsSync(file)) return undefined;
  const [pidText = "", host = ""] = readFileSync(file, "utf8").split("\n");
  const pid = Number(pidText);
  // Another host's lock (a shared volume) cannot be checked; our own pid is a restart of this container.
  if (!Number.isInteger(pid) || pid <= 0 || host !== hostname() || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

export async function lockState(options: { dataDir: string; url?: string }): Promise<CoreLock> {
  if (options.url) {
    const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [
      ADVISORY_KEY,
    ]);
    if (!rows[0]?.locked) {
      await client.end();
      throw new TugError("E_CONFLICT", "another tug core is using this PostgreSQL database");
    }
    client.on("error", () => undefined); // a lost connection ends the lock; core's own pool reports the outage
    return { release: () => client.end() };
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const pid = holder(options.dataDir);
  if (pid !== undefined)
    throw new TugError("E_CONFLICT", `another tug core (pid ${pid}) is using the data dir ${options.dataDir}`);
  const file = join(options.dataDir, "core.lock");
  const fd = openSync(file, "w", 0o600);
  writeSync(fd, `${process.pid}\n${hostname()}\n`);
  closeSync(fd);
  return {
    async release() {
      rmSync(file, { force: true });
    },
  };
}

/** Throws when a live core holds this state (restore must not write under it). */
export async function assertNoCore(options: { dataDir: string; url?: string }): Promise<void> {
  const lock = await lockState(options);
  await lock.release();
}
