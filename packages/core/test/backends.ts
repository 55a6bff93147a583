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

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let postgres: Promise<PrivatePostgres> | undefined;
const pgSkip = postgresUnavailableReason();
if (pgSkip && process.env.CI === "true") throw new Error(`PostgreSQL-backed tests cannot run under CI=true: ${pgSkip}`);

export const backends: Array<{ name: string; skip: string | undefined; open: () => Promise<Db> }> = [
  {
    name: "sqlite",
    skip: undefined,
    async open() {
      const dir: TempDir = await tempDir("tug-core-db-");
      const { db } = await openDatabase({ dataDir: dir.path });
      cleanups.push(dir.cleanup, () => db.destroy());
      return db;
    },
  },
  {
    name: "postgres",
    skip: pgSkip,
    async open() {
      postgres ??= startPostgres().then((server) => {
        cleanups.unshift(() => server.stop());
        return server;
      });
      const url = await (await postgres).createDatabase(`t_${randomBytes(4).toString("hex")}`);
      const { db } = await openDatabase({ url, dataDir: "/nonexistent" });
      cleanups.push(() => db.destroy());
      return db;
    },
  },
];
