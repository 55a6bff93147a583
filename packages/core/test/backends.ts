// The SQLite and PostgreSQL databases every contract suite of the state layer runs against.
import { randomBytes } from "node:crypto";
import {
  type PrivatePostgres,
  postgresUnavailableReason,
  startPostgres,
  type TempDir,
  tempDir,
} from "@tugboat/testkit";
import { afterAll } from "vitest";
import { type Db, openDatabase } from "../src/db/open-database.js";
import { type LogDb, type LogDialect, openLogDatabase } from "../src/logs/log-database.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let postgres: Promise<PrivatePostgres> | undefined;
const pgSkip = postgresUnavailableReason();
if (pgSkip && process.env.CI === "true") throw new Error(`PostgreSQL-backed tests cannot run under CI=true: ${pgSkip}`);

const pgDatabase = async () => {
  postgres ??= startPostgres().then((server) => {
    cleanups.unshift(() => server.stop());
    return server;
  });
  return (await postgres).createDatabase(`t_${randomBytes(4).toString("hex")}`);
};

export const backends: Array<{
  name: string;
  skip: string | undefined;
  open: () => Promise<Db>;
  /** The log database of the same kind. */
  openLogs: () => Promise<{ db: LogDb; dialect: LogDialect }>;
}> = [
  {
    name: "sqlite",
    skip: undefined,
    async open() {
      const dir: TempDir = await tempDir("tug-core-db-");
      const { db } = await openDatabase({ dataDir: dir.path });
      cleanups.push(dir.cleanup, () => db.destroy());
      return db;
    },
    async openLogs() {
      const dir: TempDir = await tempDir("tug-core-logs-");
      const logs = await openLogDatabase({ dataDir: dir.path });
      cleanups.push(dir.cleanup, logs.close);
      return logs;
    },
  },
  {
    name: "postgres",
    skip: pgSkip,
    async open() {
      const { db } = await openDatabase({ url: await pgDatabase(), dataDir: "/nonexistent" });
      cleanups.push(() => db.destroy());
      return db;
    },
    async openLogs() {
      const logs = await openLogDatabase({ url: await pgDatabase(), dataDir: "/nonexistent" });
      cleanups.push(logs.close);
      return logs;
    },
  },
];
