import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loopDeadline } from "./loop-deadline.js";

/** Keeps the event loop busy, as a long synchronous task does. */
const busy = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe("loopDeadline", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("reads an answer that arrived while the loop was busy before it expires", async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const deadline = loopDeadline(50, () => {
        socket.destroy();
        resolve("expired");
      });
      socket.once("connect", () => {
        deadline.clear();
        socket.destroy();
        resolve("connected");
      });
      // The connection is made while the loop is held well past the deadline.
      busy(400);
    });
    expect(outcome).toBe("connected");
  });

  it("expires when nothing answers, also after the time it gave back", async () => {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      loopDeadline(100, resolve);
      busy(400);
    });
    // Given back the ~300 ms it came late (a plain timer expires at ~400 ms), then expired.
    expect(performance.now() - started).toBeGreaterThanOrEqual(650);
  });

  it("gives back no more than ten times its time, however long core was busy", async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      loopDeadline(20, () => {
        order.push("expired");
        resolve();
      });
      busy(400);
      // Given back the whole 380 ms it came late, it would expire after this.
      setTimeout(() => order.push("300 ms later"), 300);
    });
    expect(order).toEqual(["expired"]);
  });

  it("expires on time when the loop was free", async () => {
    let expired = false;
    loopDeadline(20, () => {
      expired = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(expired).toBe(true);
  });

  it("never fires once cleared", async () => {
    let expired = false;
    loopDeadline(20, () => {
      expired = true;
    }).clear();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(expired).toBe(false);
  });
});
