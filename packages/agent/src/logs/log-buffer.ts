// The lines waiting for core: numbered, bounded by count and bytes. When it
// is full, followers pause (core is behind) instead of anything being
// dropped; core's next batch call acknowledges what it stored, which frees
// room, and a long-poll waits here for the next line.
import type { ShippedLine } from "@tugboat/protocol";

export interface BufferLimits {
  lines: number;
  bytes: number;
}

export class LogBuffer {
  private lines: ShippedLine[] = [];
  private bytes = 0;
  private seq = 0;
  private waiters = new Set<() => void>();
  private roomListeners = new Set<() => void>();

  constructor(private readonly limits: BufferLimits) {}

  /** Adds a line; false when the buffer is now full and followers should pause. */
  push(line: Omit<ShippedLine, "seq">): boolean {
    this.seq += 1;
    this.lines.push({ ...line, seq: this.seq });
    this.bytes += line.line.length + 64;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    return !this.full();
  }

  full(): boolean {
    return this.lines.length >= this.limits.lines || this.bytes >= this.limits.bytes;
  }

  /** Forgets every line up to `after` (core stored them); followers may go on once half the room is free. */
  acknowledge(after: number): void {
    let dropping = 0;
    while (dropping < this.lines.length && (this.lines[dropping]?.seq ?? 0) <= after) {
      this.bytes -= (this.lines[dropping]?.line.length ?? 0) + 64;
      dropping += 1;
    }
    if (dropping > 0) this.lines = this.lines.slice(dropping);
    if (this.lines.length <= this.limits.lines / 2 && this.bytes <= this.limits.bytes / 2) {
      for (const listener of this.roomListeners) listener();
    }
  }

  onRoom(listener: () => void): void {
    this.roomListeners.add(listener);
  }

  /** Lines after `after`, up to `max`; waits up to `waitMs` for one when there is none. */
  async take(after: number, max: number, waitMs: number, signal?: AbortSignal): Promise<ShippedLine[]> {
    const ready = () => this.lines.filter((l) => l.seq > after).slice(0, max);
    let found = ready();
    if (found.length > 0 || waitMs === 0) return found;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", wake);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      signal?.addEventListener("abort", wake, { once: true });
      this.waiters.add(wake);
    });
    found = ready();
    return found;
  }

  /** Empties the buffer (a new shipping session); sequence numbers go on. */
  clear(): void {
    this.lines = [];
    this.bytes = 0;
    for (const listener of this.roomListeners) listener();
  }
}
