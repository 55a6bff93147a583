// An agent started in-process against a private dockerd, and a small HTTPS
// client that pins the agent's certificate the way core does.
import { randomBytes } from "node:crypto";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { TLSSocket } from "node:tls";
import type { StreamEvent, StreamResult } from "@tugboat/protocol";
import { tempDir } from "@tugboat/testkit";
import { AgentConfig, type RunningAgent, startAgent } from "../src/index.js";

export interface TestAgent extends RunningAgent {
  root: string;
  passkey: string;
  logs: string[];
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { passkey?: string | null; authorization?: string },
  ): Promise<{ status: number; text: string }>;
  json<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Runs a streamed action; returns every event and the final result. */
  action(
    path: string,
    body: unknown,
  ): Promise<{ status: number; events: StreamEvent[]; result: StreamResult | undefined }>;
  stop(): Promise<void>;
}

export async function startTestAgent(
  dockerHost: string,
  options: {
    root?: string;
    passkey?: string;
    allowedIps?: string[];
    secrets?: Record<string, string>;
    /** More agent.toml settings. */
    settings?: Record<string, unknown>;
  } = {},
): Promise<TestAgent> {
  const dir = options.root ? undefined : await tempDir("tug-agent-");
  const root = options.root ?? dir?.path ?? "";
  const passkey = options.passkey ?? randomBytes(16).toString("hex");
  const logs: string[] = [];
  const config = AgentConfig.parse({
    port: 0,
    host: "127.0.0.1",
    root,
    docker_host: dockerHost,
    stats_interval_seconds: 60,
    allowed_ips: options.allowedIps ?? [],
    secrets: options.secrets ?? {},
    ...options.settings,
  });
  const agent = await startAgent({ ...config, passkey }, { log: (line) => logs.push(line) });

  // No TLS session reuse: every connection shows its certificate, so the pin is checked every time.
  const https = new HttpsAgent({ keepAlive: false, maxCachedSessions: 0 });
  const call: TestAgent["call"] = (method, path, body, callOptions = {}) =>
    new Promise((resolve, reject) => {
      const key = callOptions.passkey === undefined ? passkey : callOptions.passkey;
      const req = httpsRequest(
        `${agent.url}${path}`,
        {
          method,
          agent: https,
          rejectUnauthorized: false, // self-signed: trust comes from the pinned fingerprint below
          headers: {
            ...(callOptions.authorization
              ? { authorization: callOptions.authorization }
              : key === null
                ? {}
                : { authorization: `Bearer ${key}` }),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
        },
        (res) => {
          const seen = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
          if (seen !== agent.fingerprint) {
            reject(new Error(`certificate changed: pinned ${agent.fingerprint}, got ${seen}`));
            res.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  return {
    ...agent,
    root,
    passkey,
    logs,
    call,
    async json<T>(method: string, path: string, body?: unknown) {
      const { status, text } = await call(method, path, body);
      return { status, body: JSON.parse(text) as T };
    },
    async action(path, body) {
      const { status, text } = await call("POST", path, body);
      if (status !== 200) return { status, events: [], result: undefined, ...{ error: text } };
      const events = text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as StreamEvent);
      const last = events[events.length - 1];
      return { status, events, result: last?.type === "result" ? last : undefined };
    },
    async stop() {
      await agent.close();
      await dir?.cleanup();
    },
  };
}

/** Compose files for tests: a web server with a healthcheck, a one-shot init job. */
export const WEB_COMPOSE = (marker: string) => `services:
  init:
    image: local/busybox:1
    command: ["sh", "-c", "echo init done"]
  web:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "echo \\"$$GREETING ${marker}\\" > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"]
    environment:
      GREETING: \${GREETING}
    depends_on:
      init:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 2s
      retries: 5
  worker:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
`;

export { removeProjects } from "@tugboat/testkit";
