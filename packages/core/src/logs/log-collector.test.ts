// How long core asks an agent to hold an idle log long-poll: what the agent
// says it accepts (bounded), 30 s for one that does not say, and 30 s again
// after an error (the agent may have been replaced by an older one); each
// shortened by up to a fifth at random, so that a fleet's polls drift apart.
import { LOG_WAIT_LEGACY_MS, LOG_WAIT_MAX_MS, type LogBatch, type LogBatchRequest } from "@tugboat/protocol";
import { describe, expect, it } from "vitest";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import { jitteredWait, LogCollectors } from "./log-collector.js";
import type { LogStore } from "./log-store.js";

const reply = (longestWaitMs?: number): LogBatch => ({
  epoch: "e1",
  lines: [],
  following: 0,
  paused: 0,
  pauses: 0,
  ...(longestWaitMs === undefined ? {} : { longestWaitMs }),
});

/** The waits core asked of an agent answering from a script (a reply, or an error to throw), to its end. */
async function waitsAsked(script: Array<LogBatch | Error>, random = () => 0): Promise<Array<number | undefined>> {
  const asked: LogBatchRequest[] = [];
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const client = {
    async logBatch(body: LogBatchRequest, signal: AbortSignal): Promise<LogBatch> {
      asked.push(body);
      const next = script.shift();
      if (next instanceof Error) throw next;
      if (next) return next;
      done();
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("stopped"))));
    },
  };
  const collectors = new LogCollectors({
    servers: { list: async () => [{ name: "apollo", enabled: true }] } as unknown as ServerStore,
    agents: { client: async () => client } as unknown as AgentPool,
    store: { cursors: async () => ({}), append: async () => [] } as unknown as LogStore,
    retentionDays: 7,
    onLines: () => {},
    log: () => {},
    random,
  });
  collectors.start();
  await finished;
  await collectors.stop();
  return asked.map((a) => a.waitMs);
}

describe("log collection: the long-poll's wait", () => {
  it("asks what the agent says it accepts, at most the protocol's bound", async () => {
    expect(await waitsAsked([reply(LOG_WAIT_MAX_MS), reply(10 * LOG_WAIT_MAX_MS), reply()])).toEqual([
      LOG_WAIT_LEGACY_MS,
      LOG_WAIT_MAX_MS,
      LOG_WAIT_MAX_MS,
      LOG_WAIT_LEGACY_MS,
    ]);
  });

  it("asks 30 s again after an error, until the agent says more", async () => {
    expect(await waitsAsked([reply(LOG_WAIT_MAX_MS), new Error("agent restarted"), reply()])).toEqual([
      LOG_WAIT_LEGACY_MS,
      LOG_WAIT_MAX_MS,
      LOG_WAIT_LEGACY_MS,
      LOG_WAIT_LEGACY_MS,
    ]);
  });

  it("shortens each wait by up to a fifth, drawn again for every poll", async () => {
    const draws = [0.5, 0.999, 0.25];
    expect(await waitsAsked([reply(LOG_WAIT_MAX_MS), reply(LOG_WAIT_MAX_MS)], () => draws.shift() ?? 0)).toEqual([
      LOG_WAIT_LEGACY_MS * 0.9,
      Math.round(LOG_WAIT_MAX_MS * (1 - 0.2 * 0.999)),
      LOG_WAIT_MAX_MS * 0.95,
    ]);
    expect(jitteredWait(LOG_WAIT_MAX_MS, 0)).toBe(LOG_WAIT_MAX_MS);
    expect(jitteredWait(LOG_WAIT_MAX_MS, 0.999_999)).toBeGreaterThanOrEqual(LOG_WAIT_MAX_MS * 0.8);
  });
});
