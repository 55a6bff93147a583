// Hosts' samples, stored a second's worth at a time: a status round spreads
// its 500 polls over the interval, and a statement (and a commit) for each
// sample was a tenth of the round's database time. At most `MAX_PENDING`
// wait; past that the oldest are dropped, and said so, rather than held
// without bound while the database does not answer.
import type { MetricStore } from "./metric-store.js";
import type { Sample } from "./rollup.js";

const FLUSH_MS = 1_000;
const MAX_PENDING = 10_000;
const STATEMENT_ROWS = 1_000;

export class SampleBatcher {
  private pending: Array<{ server: string; sample: Sample }> = [];
  private timer: NodeJS.Timeout | undefined;
  /** The flushes so far, in order: one statement at a time. */
  private written: Promise<void> = Promise.resolve();
  private dropped = 0;

  constructor(
    private readonly store: MetricStore,
    private readonly log: (line: string) => void,
  ) {}

  add(server: string, sample: Sample): void {
    this.pending.push({ server, sample });
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped += 1;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS); // flush() never rejects: it says what failed
      this.timer.unref();
    }
  }

  /** Stores what waits; resolves once it (and every earlier flush) is stored or has failed. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (this.dropped > 0) {
      this.log(`metrics: ${this.dropped} host samples dropped: the database did not keep up`);
      this.dropped = 0;
    }
    // A statement's parameters are bounded (SQLite: 32,766): a thousand rows of four each.
    for (let at = 0; at < batch.length; at += STATEMENT_ROWS) {
      const rows = batch.slice(at, at + STATEMENT_ROWS);
      this.written = this.written
        .then(() => this.store.insertMany(rows))
        .catch((error: Error) => this.log(`metrics: ${rows.length} host samples not stored: ${error.message}`));
    }
    return this.written;
  }
}
