// The log store's contract, on SQLite (FTS5) and PostgreSQL (tsvector):
// lines and cursors stored together, full-text search with filters in time
// order and pages, context around a line, and retention by age and by size.
import type { ShippedLine } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import { LogStore, microseconds } from "../src/logs/log-store.js";
import { backends } from "./backends.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
let seq = 0;
const line = (container: string, second: number, text: string, fields: Partial<ShippedLine> = {}): ShippedLine => ({
  seq: ++seq,
  ts: `2026-12-06T10:00:${String(second).padStart(2, "0")}.123456789Z`,
  stack: container === A ? "web" : "db",
  service: container === A ? "app" : "postgres",
  container,
  stream: "stdout",
  line: text,
  ...fields,
});

describe.each(backends)("log store on $name", ({ skip, openLogs }) => {
  it.skipIf(skip !== undefined)(
    "stores lines with their cursors, masks, reads levels, finds by words and filters",
    async () => {
      const { db, dialect } = await openLogs();
      const store = new LogStore(db, dialect, (text) => text.replaceAll("hunter2", "***"));
      await store.append("apollo", [
        line(A, 1, "GET /health 200"),
        line(A, 2, '{"level":"error","msg":"connection refused by upstream"}', { stream: "stderr" }),
        line(B, 3, "ERROR: could not connect: password hunter2 rejected"),
        line(A, 3, "retrying the connection"),
        line(A, 3, "connection refused again"),
      ]);
      expect(await store.cursors("apollo")).toEqual({
        [A]: { ts: "2026-12-06T10:00:03.123456789Z", n: 2 },
        [B]: { ts: "2026-12-06T10:00:03.123456789Z", n: 1 },
      });
      // A later batch at the same timestamp adds to the count.
      await store.append("apollo", [line(A, 3, "third at that instant")]);
      expect((await store.cursors("apollo"))[A]).toEqual({ ts: "2026-12-06T10:00:03.123456789Z", n: 3 });

      const found = await store.search({ query: '"connection refused"' }, { limit: 10 });
      expect(found.lines.map((l) => l.line)).toEqual([
        '{"level":"error","msg":"connection refused by upstream"}',
        "connection refused again",
      ]);
      expect(found.lines[0]).toMatchObject({
        server: "apollo",
        stack: "web",
        service: "app",
        stream: "stderr",
        level: "error",
      });
      expect((await store.search({ query: "connect*", stacks: ["db"] }, { limit: 10 })).lines).toMatchObject([
        { line: "ERROR: could not connect: password *** rejected", level: "error", container: B.slice(0, 12) },
      ]);
      expect((await store.search({ query: "connection -again" }, { limit: 10 })).lines.map((l) => l.line)).toEqual([
        '{"level":"error","msg":"connection refused by upstream"}',
        "retrying the connection",
      ]);
      expect(
        (await store.search({ levels: ["error"], streams: ["stdout"] }, { limit: 10 })).lines.map((l) => l.stack),
      ).toEqual(["db"]);
      const range = await store.search(
        { since: microseconds("2026-12-06T10:00:02Z"), until: microseconds("2026-12-06T10:00:02.9Z") },
        { limit: 10 },
      );
      expect(range.lines.map((l) => l.line)).toEqual(['{"level":"error","msg":"connection refused by upstream"}']);
      expect((await store.search({ servers: ["elsewhere"] }, { limit: 10 })).lines).toEqual([]);
    },
  );

  it.skipIf(skip !== undefined)("pages back in time, gives context lines, and keeps to its age and size", async () => {
    const { db, dialect } = await openLogs();
    const store = new LogStore(db, dialect);
    await store.append(
      "apollo",
      Array.from({ length: 50 }, (_, i) => line(A, i, `request ${i} served`)),
    );
    const first = await store.search({ query: "served" }, { limit: 20 });
    expect(first.lines.map((l) => l.line).at(0)).toBe("request 30 served");
    expect(first.lines.map((l) => l.line).at(-1)).toBe("request 49 served");
    const second = await store.search({ query: "served" }, { before: first.next, limit: 20 });
    expect(second.lines.map((l) => l.line).at(-1)).toBe("request 29 served");
    const third = await store.search({ query: "served" }, { before: second.next, limit: 20 });
    expect([third.lines.length, third.next]).toEqual([10, null]);
    const byTime = await store.search({ stacks: ["web"] }, { limit: 20 });
    expect(byTime.lines.map((l) => l.line).at(0)).toBe("request 30 served");

    const hit = first.lines.find((l) => l.line === "request 40 served");
    const around = await store.context(hit?.id ?? 0, 2);
    expect([around.before.map((l) => l.line), around.after.map((l) => l.line)]).toEqual([
      ["request 38 served", "request 39 served"],
      ["request 41 served", "request 42 served"],
    ]);

    expect(await store.deleteBefore(microseconds("2026-12-06T10:00:10Z"))).toBe(10);
    expect((await store.search({ query: "request" }, { limit: 100 })).lines.at(0)?.line).toBe("request 10 served");
    // Searching still works after deletes from the index.
    expect((await store.search({ query: '"request 5"' }, { limit: 10 })).lines).toEqual([]);
    const { bytes, rows } = await store.size();
    expect(rows).toBe(40);
    const deleted = await store.trimTo(Math.floor(bytes / 2));
    expect(deleted).toBeGreaterThan(0);
    const after = await store.size();
    expect(after.rows).toBe(40 - deleted);
    expect((await store.search({ query: "request" }, { limit: 100 })).lines.at(-1)?.line).toBe("request 49 served");
  });
});
