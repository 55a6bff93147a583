// Holds a host while its agent is upgraded: what runs there ends first, and
// what comes meanwhile waits (queued, not failed) until the hold is released.
import { TugError } from "@tugboat/protocol";

export class HostGate {
  private readonly holds = new Map<string, Promise<void>>();
  private readonly running = new Map<string, number>();

  /** Waits out any hold on the host, then counts `work` as running there until it ends. */
  async run<T>(server: string, work: () => Promise<T>): Promise<T> {
    for (let hold = this.holds.get(server); hold; hold = this.holds.get(server)) await hold;
    this.running.set(server, (this.running.get(server) ?? 0) + 1);
    try {
      return await work();
    } finally {
      this.running.set(server, (this.running.get(server) ?? 1) - 1);
    }
  }

  /** Takes the host once what runs there has ended; call the returned function to let the rest go. */
  async hold(server: string, deadlineMs = 30 * 60_000): Promise<() => void> {
    for (let hold = this.holds.get(server); hold; hold = this.holds.get(server)) await hold;
    let release = () => {};
    this.holds.set(
      server,
      new Promise<void>((resolve) => {
        release = () => {
          this.holds.delete(server);
          resolve();
        };
      }),
    );
    const until = Date.now() + deadlineMs;
    while ((this.running.get(server) ?? 0) > 0) {
      if (Date.now() > until) {
        release();
        throw new TugError("E_CONFLICT", `actions on ${server} did not end within ${deadlineMs / 60_000} min`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return release;
  }
}
