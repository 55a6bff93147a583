// Kysely's SQLite dialect with its one connection handed out in turn.
// Kysely's own driver waits on a mutex that wakes every waiting query at each
// release; all but one go back to waiting. With thousands of queries waiting
// (the deploys of a first sync of 5,000 stacks) each release woke thousands:
// the lock and its promises were a third of core's CPU then, and their garbage
// grew the heap core keeps afterwards (bench/scale.ts). Here each query waits
// for the one before it only, and is woken once.
import { type DatabaseConnection, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from "kysely";

class QueuedSqliteDriver extends SqliteDriver {
  /** Settles when the last query to ask has given the connection back. */
  #tail: Promise<void> = Promise.resolve();
  #giveBack: (() => void) | undefined;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const before = this.#tail;
    let giveBack: () => void = () => {};
    this.#tail = new Promise<void>((resolve) => {
      giveBack = resolve;
    });
    await before;
    this.#giveBack = giveBack;
    // Uncontended now: only the holder of the turn asks.
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    const giveBack = this.#giveBack;
    this.#giveBack = undefined;
    giveBack?.();
  }
}

export class QueuedSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): SqliteDriver {
    return new QueuedSqliteDriver(this.#config);
  }
}
