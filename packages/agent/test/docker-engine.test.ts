// The agent's Engine API client gives up on a dockerd that accepts a request
// and never answers, instead of hanging the request that asked (a deploy, a
// swarm read, a status).
import { stallingServer } from "@tugboat/testkit";
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
});
