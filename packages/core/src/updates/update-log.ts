// Runs one update record: stores each event as it happens (secrets masked by
// the agent, and again here with every secret core knows) and tells live
// listeners (SSE).
import { EventEmitter } from "node:events";
import { maskerOf, type SecretMasker } from "../secrets/masker.js";
import type { UpdateRecord, UpdateStore } from "./update-store.js";

export interface UpdateEvent {
  updateId: string;
  seq: number;
  event: unknown;
}

export class UpdateLog {
  private readonly emitter = new EventEmitter();

  constructor(
    readonly store: UpdateStore,
    private readonly masker: SecretMasker,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Live events of one update; returns the unsubscribe function. */
  subscribe(updateId: string, listener: (event: UpdateEvent) => void): () => void {
    this.emitter.on(updateId, listener);
    return () => this.emitter.off(updateId, listener);
  }

  /** Every update as it finishes, read back once from the store (alerts and counters listen here). */
  onFinish(listener: (finished: UpdateRecord) => void): void {
    this.emitter.on("finish", listener);
  }

  /** A writer for one running update: events are stored in order and published. */
  writer(updateId: string, secrets: readonly string[] = []) {
    let seq = 0;
    let chain = Promise.resolve();
    const own = maskerOf(secrets);
    const mask = <T>(value: T): T => own.maskDeep(this.masker.maskDeep(value));
    return {
      emit: (event: unknown) => {
        const masked = mask(event);
        const current = seq;
        seq += 1;
        chain = chain.then(() => this.store.appendEvent(updateId, current, masked));
        // A failed write surfaces when the update ends (end() returns the chain), not as an unhandled rejection.
        chain.catch(() => undefined);
        this.emitter.emit(updateId, { updateId, seq: current, event: masked });
      },
      end: (status: "success" | "failed", result: unknown) => {
        chain = chain.then(() => this.store.finish(updateId, status, mask(result)));
        return chain.then(async () => {
          this.emitter.emit(updateId, { updateId, seq: -1, event: { type: "end", status } });
          const finished = await this.store.get(updateId);
          if (finished) this.emitter.emit("finish", finished);
        });
      },
    };
  }
}
