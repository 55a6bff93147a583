import { describe, expect, it } from "vitest";
import { detectLevel, fts5Match, parseQuery, tsqueryParts } from "./log-query.js";

describe("a log search query", () => {
  it("reads words, phrases, prefixes and exclusions, as the index tokenizes them", () => {
    const terms = parseQuery('Panic "connection refused" time* -healthcheck *** 10.0.0.1');
    expect(terms).toEqual([
      { words: ["panic"], prefix: false, negate: false },
      { words: ["connection", "refused"], prefix: false, negate: false },
      { words: ["time"], prefix: true, negate: false },
      { words: ["healthcheck"], prefix: false, negate: true },
      { words: ["10", "0", "0", "1"], prefix: false, negate: false },
    ]);
    expect(fts5Match(terms)).toBe('"panic" AND "connection refused" AND "time"* AND "10 0 0 1" NOT "healthcheck"');
    expect(tsqueryParts(terms).map((p) => p.text)).toEqual([
      "panic",
      "connection refused",
      "time:*",
      "healthcheck",
      "10 0 0 1",
    ]);
  });

  it("leaves no quote for the engine to trip on", () => {
    expect(fts5Match(parseQuery('say "a\\" OR 1=1 --'))).toBe('"say" AND "a" AND "or" AND "1 1"');
  });
});

describe("a line's level", () => {
  it("reads JSON fields, numeric pino levels, logfmt and glog", () => {
    expect(detectLevel('{"level":"error","msg":"boom"}')).toBe("error");
    expect(detectLevel('{"lvl":"WARNING"}')).toBe("warn");
    expect(detectLevel('{"level":50,"msg":"x"}')).toBe("error");
    expect(detectLevel('ts=2026-12-06 level=debug msg="x"')).toBe("debug");
    expect(detectLevel("E1206 03:10:12.123456    1 controller.go:42] failed")).toBe("error");
  });

  it("reads a leading level word, bracketed or not, after a timestamp", () => {
    expect(detectLevel("ERROR: database is locked")).toBe("error");
    expect(detectLevel("[warn] low disk")).toBe("warn");
    expect(detectLevel("2026-12-06 03:10:12 INFO starting")).toBe("info");
    expect(detectLevel("2026/12/06 03:10:12 [crit] 1#1: worker died")).toBe("fatal");
    expect(detectLevel("panic: runtime error: index out of range")).toBe("fatal");
    expect(detectLevel("GET /health 200")).toBeUndefined();
    expect(detectLevel("the error budget is fine")).toBeUndefined();
  });
});
