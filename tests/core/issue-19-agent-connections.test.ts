// Issue 19: core's short requests to an agent (health, status, stats, checks)
// ride one kept-alive connection instead of a TLS handshake each. A kept
// connection is no way around trust: the certificate it showed is checked
// against the trusted fingerprint again on every request. And core opens a
// bounded number of connections at once, each deadline running from its turn.

import { getEventListeners } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";
import { type RunningAgent, tagStatuses } from "@tugboat/agent";
import { selfSignedCertificate, type TempDir, tempDir, waitFor } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentClient } from "../../packages/core/src/agents/agent-client.js";
import type { TrustPolicy } from "../../packages/core/src/agents/agent-trust.js";
import { OPENING_AT_ONCE, waitingTurns } from "../../packages/core/src/agents/opening-turns.js";
import { askAgent, type OlderAgents } from "../../packages/core/src/monitor/ask-agent.js";
import { PASSKEY, startTestAgent } from "./fixture.js";

describe("connections to an agent (issue 19)", () => {
  let dir: TempDir;
  let agent: RunningAgent;
  /** A TCP relay in front of the agent that counts the connections core opens. */
  let relay: Server;
  let opened = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    dir = await tempDir("tug-connections-");
    // Health needs no Docker: the daemon is never asked.
    agent = await startTestAgent({ dockerHost: "unix:///nonexistent/docker.sock", root: dir.path });
    const target = Number(new URL(agent.url).port);
    relay = createServer((socket) => {
      opened += 1;
      const upstream = connect(target, "127.0.0.1");
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => relay?.close(resolve));
    await agent?.close();
    await dir?.cleanup();
  });

  const client = (trust: TrustPolicy) =>
    new AgentClient({
      server: "h",
      address: `https://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      passkey: PASSKEY,
      trust,
      timeoutSeconds: 5,
    });
  const trusting = (fingerprint: string): TrustPolicy => ({
    trusted: fingerprint,
    declared: "",
    trust: async () => {},
    untrusted: async () => {},
  });

  it("sends a host's round of short requests over one connection", async () => {
    const before = opened;
    const agentClient = client(trusting(agent.fingerprint));
    for (let i = 0; i < 12; i += 1) expect((await agentClient.health()).status).toBe("ok");
    expect(opened - before).toBe(1);
  });

  it("leaves nothing behind on core's lifelong signal once its requests end (bench/soak.ts found it growing)", async () => {
    const lifelong = new AbortController();
    const agentClient = new AgentClient({
      server: "h",
      address: `https://127.0.0.1:${(relay.address() as AddressInfo).port}`,
      passkey: PASSKEY,
      trust: trusting(agent.fingerprint),
      timeoutSeconds: 5,
      signal: lifelong.signal,
    });
    for (let i = 0; i < 20; i += 1) await agentClient.health(lifelong.signal);
    // AbortSignal.any kept one entry per request here for as long as the signal lived.
    const dependants = Object.getOwnPropertySymbols(lifelong.signal).find(
      (s) => String(s) === "Symbol(kDependantSignals)",
    );
    const kept = dependants
      ? (lifelong.signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]
      : undefined;
    expect(kept?.size ?? 0).toBe(0);
    expect(getEventListeners(lifelong.signal, "abort")).toHaveLength(0);
  });

  it("is sent a stack's status again only when it changed: an unchanged one comes as its tag, and is the one held", async () => {
    const tls = await selfSignedCertificate(dir.path);
    const container = { service: "app", name: "quiet-app-1", id: "c1", state: "running", health: "none" };
    let containers = [
      { ...container, exitCode: 0, image: "i", imageDigest: "d", created: "t", restartCount: 0, skip: false },
    ];
    const sent: string[] = [];
    // Tags as the agent tags them (its own function).
    const fake = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      let text = "";
      req.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on("end", () => {
        const body = JSON.parse(text) as { stacks: Array<{ stack: string; project: string; seen?: string }> };
        const statuses = body.stacks.map(({ stack, project }) => ({ stack, project, commit: null, containers }));
        const reply = JSON.stringify({
          health: { status: "ok", version: "0.1.0", fingerprint: tls.fingerprint },
          stats: null,
          statuses: tagStatuses(statuses, new Map(body.stacks.map((s) => [s.stack, s.seen]))),
        });
        sent.push(reply);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(reply);
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const agentClient = new AgentClient({
        server: "h",
        address: `https://127.0.0.1:${(fake.address() as AddressInfo).port}`,
        passkey: PASSKEY,
        trust: trusting(tls.fingerprint),
        timeoutSeconds: 5,
      });
      const ask = (held?: Awaited<ReturnType<typeof askAgent>>["tagged"]) =>
        askAgent(agentClient, {
          server: "h",
          stacks: [{ name: "quiet", project: "quiet" }],
          stats: false,
          signal: new AbortController().signal,
          older: new Map(),
          ...(held ? { held } : {}),
        });
      const first = await ask();
      const held = first.tagged.get("quiet");
      expect(held?.status).toMatchObject({ stack: "quiet", containers: [{ id: "c1", state: "running" }] });
      const second = await ask(first.tagged);
      // Answered with the tag alone: the status is the one core held, not a new reading.
      expect(sent[1]).not.toContain("containers");
      expect(second.statuses.get("quiet")).toBe(held?.status);
      expect(second.tagged.get("quiet")).toEqual(held);
      // It changed: sent whole, and read.
      containers = [{ ...(containers[0] as (typeof containers)[0]), state: "exited", exitCode: 1 }];
      const third = await ask(second.tagged);
      expect(third.statuses.get("quiet")?.containers[0]).toMatchObject({ state: "exited", exitCode: 1 });
      expect(third.tagged.get("quiet")?.tag).not.toBe(held?.tag);
    } finally {
      fake.closeAllConnections();
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it("asks again, without a tag, a stack answered as unchanged against a tag core does not hold", async () => {
    const tls = await selfSignedCertificate(dir.path);
    const status = { stack: "odd", project: "odd", commit: null, containers: [] };
    const bodies: string[] = [];
    // A faulty agent: whatever core says it holds, it answers "unchanged" with another tag.
    const faulty = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      let text = "";
      req.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on("end", () => {
        bodies.push(text);
        const body = JSON.parse(text) as { stacks: Array<{ stack: string; seen?: string }> };
        const statuses = body.stacks.map((s) =>
          s.seen ? { stack: s.stack, project: s.stack, unchanged: "not-that-tag" } : { ...status, tag: "t1" },
        );
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            health: { status: "ok", version: "0.1.0", fingerprint: tls.fingerprint },
            stats: null,
            statuses,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => faulty.listen(0, "127.0.0.1", resolve));
    try {
      const answers = await askAgent(
        new AgentClient({
          server: "h",
          address: `https://127.0.0.1:${(faulty.address() as AddressInfo).port}`,
          passkey: PASSKEY,
          trust: trusting(tls.fingerprint),
          timeoutSeconds: 5,
        }),
        {
          server: "h",
          stacks: [{ name: "odd", project: "odd" }],
          stats: false,
          signal: new AbortController().signal,
          older: new Map(),
          held: new Map([["odd", { tag: "t0", status: { ...status, commit: "old" } }]]),
        },
      );
      expect(bodies.map((b) => JSON.parse(b).stacks)).toEqual([
        [{ stack: "odd", project: "odd", seen: "t0" }],
        [{ stack: "odd", project: "odd" }],
      ]);
      // Read this round, not left unknown, and not the status core held.
      expect(answers.statuses.get("odd")).toEqual(status);
      expect(answers.tagged.get("odd")).toEqual({ tag: "t1", status });
    } finally {
      faulty.closeAllConnections();
      await new Promise((resolve) => faulty.close(resolve));
    }
  });

  it("asks an agent older than the batch status route one stack at a time", async () => {
    // An agent of the previous version: no POST /stacks/status, a status per stack.
    const tls = await selfSignedCertificate(dir.path);
    const asked: string[] = [];
    const older = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      asked.push(`${req.method} ${req.url}`);
      const stack = /^\/stacks\/([^/]+)\/status/.exec(req.url ?? "")?.[1];
      res.writeHead(stack ? 200 : 404, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          stack
            ? { stack, project: stack, commit: null, containers: [] }
            : { error: { code: "E_NOT_FOUND", message: `no route ${req.method} ${req.url}` } },
        ),
      );
    });
    await new Promise<void>((resolve) => older.listen(0, "127.0.0.1", resolve));
    try {
      const statuses = await new AgentClient({
        server: "old",
        address: `https://127.0.0.1:${(older.address() as AddressInfo).port}`,
        passkey: PASSKEY,
        trust: trusting(tls.fingerprint),
        timeoutSeconds: 5,
      }).statuses([
        { stack: "a", project: "a" },
        { stack: "b", project: "b" },
      ]);
      expect([...statuses.keys()]).toEqual(["a", "b"]);
      expect(asked).toEqual([
        "POST /stacks/status",
        "GET /stacks/a/status?project=a",
        "GET /stacks/b/status?project=b",
      ]);
    } finally {
      older.closeAllConnections();
      await new Promise((resolve) => older.close(resolve));
    }
  });

  it("asks a status round in one request, and an agent older than it as before until it runs another version", async () => {
    const tls = await selfSignedCertificate(dir.path);
    const asked: string[] = [];
    let version = "0.0.9";
    let hasPoll = false;
    const stats = {
      at: new Date().toISOString(),
      cpuPercent: 1,
      load: [0, 0, 0],
      memory: { totalBytes: 100, usedBytes: 50 },
      swap: { totalBytes: 0, usedBytes: 0 },
      disks: [],
      network: { rxBytesPerSecond: 0, txBytesPerSecond: 0 },
      containers: [],
    };
    const status = { stack: "a", project: "a", commit: null, containers: [] };
    const health = () => ({ status: "ok", version, fingerprint: tls.fingerprint });
    const fake = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      asked.push(`${req.method} ${req.url}`);
      const reply =
        req.url === "/poll" && hasPoll
          ? { health: health(), stats, statuses: [status] }
          : req.url === "/health"
            ? health()
            : req.url === "/stats"
              ? stats
              : req.url === "/stacks/status"
                ? { statuses: [status] }
                : undefined;
      res.writeHead(reply ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(reply ?? { error: { code: "E_NOT_FOUND", message: `no route ${req.url}` } }));
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const agentClient = new AgentClient({
        server: "old",
        address: `https://127.0.0.1:${(fake.address() as AddressInfo).port}`,
        passkey: PASSKEY,
        trust: trusting(tls.fingerprint),
        timeoutSeconds: 5,
      });
      const older: OlderAgents = new Map();
      const round = async () => {
        asked.length = 0;
        const answers = await askAgent(agentClient, {
          server: "old",
          stacks: [{ name: "a", project: "a" }],
          stats: true,
          signal: new AbortController().signal,
          older,
        });
        expect(answers).toMatchObject({ agentVersion: version, stats: { cpuPercent: 1 } });
        expect([...answers.statuses.keys()]).toEqual(["a"]);
        return [...asked];
      };
      // An agent without POST /poll: asked as before, and not asked /poll again on the next round.
      expect(await round()).toEqual(["POST /poll", "GET /health", "GET /stats", "POST /stacks/status"]);
      expect(await round()).toEqual(["GET /health", "GET /stats", "POST /stacks/status"]);
      // Upgraded: its new version is seen, and the round after asks it in one request.
      version = "0.1.0";
      hasPoll = true;
      expect(await round()).toEqual(["GET /health", "GET /stats", "POST /stacks/status"]);
      expect(await round()).toEqual(["POST /poll"]);
    } finally {
      fake.closeAllConnections();
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it("checks a kept connection's certificate on every request: a changed trust refuses it", async () => {
    const trust = trusting(agent.fingerprint);
    const agentClient = client(trust);
    await agentClient.health();
    const before = opened;
    trust.trusted = `${"AA:".repeat(31)}AA`;
    await expect(agentClient.health()).rejects.toMatchObject({ code: "E_AGENT_CERT_CHANGED" });
    // Refused on the connection already open, not on a new one.
    expect(opened - before).toBe(0);
  });
});

describe("connections opened at once (issue 19)", () => {
  it("opens at most OPENING_AT_ONCE at a time, each with its full connect deadline from its turn", async () => {
    // Agents that accept the TCP connection and never answer the TLS handshake: every turn lasts its deadline.
    let open = 0;
    let accepted = 0;
    const held = new Set<Socket>();
    const silent = createServer((socket) => {
      accepted += 1;
      open += 1;
      held.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        open -= 1;
        held.delete(socket);
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const calls = OPENING_AT_ONCE + 36;
      const client = new AgentClient({
        server: "mute",
        address: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        passkey: PASSKEY,
        trust: { trusted: "", declared: "", trust: async () => {}, untrusted: async () => {} },
        timeoutSeconds: 1,
      });
      const outcomes = Promise.allSettled(Array.from({ length: calls }, () => client.health()));
      // The 36 beyond the bound wait for a turn, with no connection and no deadline running.
      await waitFor(async () => open === OPENING_AT_ONCE, { what: "the first turns' connections" });
      expect(waitingTurns()).toBe(36);
      expect(accepted).toBe(OPENING_AT_ONCE);
      const results = await outcomes;
      expect(accepted).toBe(calls);
      // Every call got to its agent and met its own deadline there: none failed in core's queue.
      for (const result of results) {
        expect(result.status).toBe("rejected");
        expect(((result as PromiseRejectedResult).reason as Error).message).toMatch(/did not answer within 1 s/);
      }
      expect(waitingTurns()).toBe(0);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
