import { describe, expect, it } from "vitest";
import { sinceOf } from "./follower.js";
import { LogBuffer } from "./log-buffer.js";

const line = (text: string) => ({
  ts: "2026-12-06T00:00:00.000000000Z",
  stack: "s",
  service: "app",
  container: "c",
  stream: "stdout" as const,
  line: text,
});

describe("the buffer of lines waiting for core", () => {
  it("says full at its bound, frees room when core acknowledges, and numbers lines on", async () => {
    const buffer = new LogBuffer({ lines: 4, bytes: 1_000_000 });
    let room = 0;
    buffer.onRoom(() => {
      room += 1;
    });
    expect([1, 2, 3].map((i) => buffer.push(line(`l${i}`)))).toEqual([true, true, true]);
    expect(buffer.push(line("l4"))).toBe(false);
    expect((await buffer.take(2, 10, 0)).map((l) => [l.seq, l.line])).toEqual([
      [3, "l3"],
      [4, "l4"],
    ]);
    buffer.acknowledge(1);
    expect(room).toBe(0); // 3 left: more than half
    buffer.acknowledge(3);
    expect(room).toBe(1);
    expect((await buffer.take(3, 10, 0)).map((l) => l.seq)).toEqual([4]);
  });

  it("holds a long-poll until a line arrives, or its wait ends", async () => {
    const buffer = new LogBuffer({ lines: 10, bytes: 1_000_000 });
    const waiting = buffer.take(0, 10, 5_000);
    setTimeout(() => buffer.push(line("late")), 20);
    expect((await waiting).map((l) => l.line)).toEqual(["late"]);
    const started = Date.now();
    expect(await buffer.take(1, 10, 50)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe("Docker's `since` from a log timestamp", () => {
  it("keeps every digit of the fraction", () => {
    expect(sinceOf("2026-12-06T03:10:12.123456789Z")).toBe(`${Date.UTC(2026, 11, 6, 3, 10, 12) / 1000}.123456789`);
    expect(sinceOf("2026-12-06T03:10:12Z")).toBe(`${Date.UTC(2026, 11, 6, 3, 10, 12) / 1000}.000000000`);
  });
});
