// The agent's Engine API client gives up on a dockerd that accepts a request
// and never answers, instead of hanging the request that asked (a deploy, a
// swarm read, a status), and a stream its caller gave up on ends even when
// dockerd had not answered yet (the agent's close waited on such a stream).
import { stallingServer, waitFor } from "@tugboat/testkit";
import { describe, expect, it } from "vitest";
import { DockerEngine } from "../src/docker/engine.js";

describe("DockerEngine", () => {
  it("gives up a call dockerd never answers, at its deadline, with the call named", async () => {
    const hung = await stallingServer();
    const engine = new DockerEngine(`tcp://${hung.address}`, { deadlineMs: 300 });
    try {
      await expect(engine.json("GET", "/nodes")).rejects.toThrow(
        /cannot reach dockerd .* no answer to GET \/nodes within 0.3 s/,
      );
      expect(hung.connections()).toBe(1);
    } finally {
      engine.close();
      await hung.close();
    }
  });

  it("ends a stream whose caller gave up before dockerd answered", async () => {
    const hung = await stallingServer();
    const engine = new DockerEngine(`tcp://${hung.address}`);
    try {
      const stop = new AbortController();
      const events = (async () => {
        for await (const _ of engine.containerEvents(stop.signal));
      })();
      const lines = (async () => {
        for await (const _ of engine.logs("abc", { follow: true, signal: stop.signal }));
      })();
      await waitFor(async () => hung.connections() === 2 || undefined, { what: "both requests sent" });
      stop.abort();
      await expect(Promise.all([events, lines])).resolves.toEqual([undefined, undefined]);
    } finally {
      engine.close();
      await hung.close();
    }
  });

  it("gives up a stream dockerd never starts, at the deadline", async () => {
    const hung = await stallingServer();
    const engine = new DockerEngine(`tcp://${hung.address}`, { deadlineMs: 300 });
    try {
      const events = (async () => {
        for await (const _ of engine.containerEvents(new AbortController().signal));
      })();
      await expect(events).rejects.toThrow(/no answer to GET \/events within 0.3 s/);
    } finally {
      engine.close();
      await hung.close();
    }
  });
});
