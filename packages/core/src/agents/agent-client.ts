// Core's client for one agent. Inbound: HTTPS with a self-signed certificate,
// trust from its fingerprint, and no credential or body sent to an agent that
// has not proved it holds the trusted certificate. Outbound: the same requests
// through the link the agent opened (authenticated when it opened), one
// channel each; nothing above this file knows which. Every call has a
// deadline: the connection, a whole short request, and the silence allowed
// inside a long stream (the agent sends a keep-alive line every few seconds).
import { type ClientRequest, request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { createInterface } from "node:readline";
import type { Duplex } from "node:stream";
import { createSecureContext, type TLSSocket, connect as tlsConnect } from "node:tls";
import {
  type ActionRequest,
  AgentHealth,
  AgentInfo,
  type CheckResult,
  ChecksReply,
  type ChecksRequest,
  type DeployRequest,
  ERROR_STATUS,
  type ErrorCode,
  type HealRequest,
  HostStats,
  type ImageUpdateRequest,
  LogBatch,
  type LogBatchRequest,
  type NetworksApplyRequest,
  NetworksApplyResult,
  type NodeLabelsRequest,
  NodeLabelsResult,
  PollReply,
  type PollRequest,
  type StackAction,
  StackStatus,
  StatusesReply,
  type StatusesRequest,
  StreamEvent,
  type StreamResult,
  SwarmState,
  TugError,
} from "@tugboat/protocol";
import { WebSocket } from "ws";
import { linkedSignal } from "../process/linked-signal.js";
import { type LoopDeadline, loopDeadline } from "../process/loop-deadline.js";
import { checkTrust, type TrustPolicy } from "./agent-trust.js";
import { openingTurn } from "./opening-turns.js";

interface ClientCommon {
  server: string;
  /** Deadline of the connection and TLS handshake. */
  timeoutSeconds: number;
  /** Aborts every call of this client (core is stopping). */
  signal?: AbortSignal;
  /** The container core runs in: the agent leaves it alone. */
  coreContainer?: string;
}

/** An outbound agent's link: each call is a new connection through it. */
export interface LinkTransport {
  open(): Promise<Duplex>;
}

export type AgentClientOptions = ClientCommon &
  ({ address: string; passkey: string; trust: TrustPolicy; link?: undefined } | { link: LinkTransport });

/** A short request (health, stats, status) gets this long in all. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A stream (deploy, logs) may be silent this long; the agent writes a keep-alive line every 10 s. */
const STREAM_IDLE_TIMEOUT_MS = 60_000;
/** Replies larger than this are cut off: a confused or hostile peer cannot fill core's memory. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
const MAX_STREAM_BYTES = 256 * 1024 * 1024;

// One TLS context for every connection to an agent (no client certificate, no CA: trust is the
// fingerprint): made per connection, it was the costliest part of opening one.
const secureContext = createSecureContext({});
// Streams (deploys, logs) get a connection each, with no TLS session reuse.
const tlsAgent = new Agent({ keepAlive: false, maxCachedSessions: 0, secureContext });
// Short requests (status, stats, health, checks) ride a kept-alive connection per agent: a
// status round of a host is a dozen requests, and a TLS handshake each cost core more than
// the rest of the round (bench/reconcile.ts). The certificate a connection showed is checked
// against the trusted fingerprint again on every request; the connection is closed before
// the agent's own keep-alive timeout, which its replies announce. No bound on connections per
// agent (a request never queues behind another's connection), at most 4 idle ones kept per
// agent, and a bound on connections being opened at once across all agents (opening-turns.ts).
const keptAlive = new Agent({ keepAlive: true, maxFreeSockets: 4, maxCachedSessions: 0, secureContext });
/** The certificate each connection showed (a connection cannot change it): read once, it is costly to read. */
const peerFingerprints = new WeakMap<TLSSocket, string>();

interface CallOptions {
  body?: unknown;
  /** A raw body (an agent build) with its own headers, instead of JSON. */
  bytes?: { data: Buffer; headers: Record<string, string> };
  /** Read the reply as NDJSON lines as they arrive. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** For /health: allowed before the certificate is trusted, without credentials. */
  beforeTrust?: boolean;
  /** A long-poll: the agent may hold the reply this long, on top of the request's own deadline. */
  waitMs?: number;
}

export class AgentClient {
  constructor(private readonly options: AgentClientOptions) {}

  async health(signal?: AbortSignal): Promise<AgentHealth> {
    return AgentHealth.parse(
      JSON.parse(await this.call("GET", "/health", { beforeTrust: true, ...(signal ? { signal } : {}) })),
    );
  }

  async info(signal?: AbortSignal): Promise<AgentInfo> {
    return AgentInfo.parse(JSON.parse(await this.call("GET", "/info", signal ? { signal } : {})));
  }

  /** Sends a new build of the agent with its published hash; the agent checks, swaps and restarts. */
  async upgrade(build: { data: Buffer; sha256: string; version: string }): Promise<{ from: string; to: string }> {
    const headers = {
      "content-type": "application/octet-stream",
      "x-tugboat-sha256": build.sha256,
      "x-tugboat-version": build.version,
    };
    return JSON.parse(await this.call("POST", "/upgrade", { bytes: { data: build.data, headers } }));
  }

  /** Puts the agent's previous build back (and restarts it). */
  async rollBack(): Promise<{ from: string; to: string }> {
    return JSON.parse(await this.call("POST", "/upgrade/rollback", { body: {} }));
  }

  /** A status round's questions in one request: health, stats, statuses (E_NOT_FOUND from an agent older than it). */
  async poll(body: PollRequest, signal?: AbortSignal): Promise<PollReply> {
    return PollReply.parse(JSON.parse(await this.call("POST", "/poll", { body, ...(signal ? { signal } : {}) })));
  }

  async stats(signal?: AbortSignal): Promise<HostStats> {
    return HostStats.parse(JSON.parse(await this.call("GET", "/stats", signal ? { signal } : {})));
  }

  /** Several stacks' status in one request; an agent older than that route is asked one stack at a time. */
  async statuses(
    stacks: Array<{ stack: string; project: string }>,
    signal?: AbortSignal,
  ): Promise<Map<string, StackStatus>> {
    let reply: StatusesReply;
    try {
      const body = { stacks } satisfies StatusesRequest;
      reply = StatusesReply.parse(
        JSON.parse(await this.call("POST", "/stacks/status", { body, ...(signal ? { signal } : {}) })),
      );
    } catch (error) {
      if (!(error instanceof TugError && error.code === "E_NOT_FOUND")) throw error;
      const found = new Map<string, StackStatus>();
      for (const { stack, project } of stacks) {
        const status = await this.status(stack, project, signal).catch(() => undefined);
        if (status) found.set(stack, status);
      }
      return found;
    }
    return new Map(reply.statuses.flatMap((status) => ("error" in status ? [] : [[status.stack, status] as const])));
  }

  async status(stack: string, project: string, signal?: AbortSignal): Promise<StackStatus> {
    const path = `/stacks/${encodeURIComponent(stack)}/status?project=${encodeURIComponent(project)}`;
    return StackStatus.parse(JSON.parse(await this.call("GET", path, signal ? { signal } : {})));
  }

  /** Container log lines (NDJSON from the agent), until the reply ends or `signal` aborts (follow). */
  async logs(options: {
    stack: string;
    service?: string;
    tail: number;
    follow: boolean;
    signal: AbortSignal;
    onLine: (line: { service: string; container: string; stream: string; line: string }) => void;
  }): Promise<void> {
    const query = new URLSearchParams({ tail: String(options.tail), follow: options.follow ? "1" : "0" });
    if (options.service) query.set("service", options.service);
    const path = `/stacks/${encodeURIComponent(options.stack)}/logs?${query}`;
    await this.call("GET", path, { onLine: (line) => options.onLine(JSON.parse(line)), signal: options.signal }).catch(
      (error: unknown) => {
        if (!options.signal.aborted) throw error;
      },
    );
  }

  deploy(stack: string, body: DeployRequest, onEvent: (event: StreamEvent) => void): Promise<StreamResult> {
    return this.stream(`/stacks/${encodeURIComponent(stack)}/deploy`, body, onEvent);
  }

  /** Log lines the agent holds for core (a long-poll of up to `body.waitMs`). */
  async logBatch(body: LogBatchRequest, signal?: AbortSignal): Promise<LogBatch> {
    const reply = await this.call("POST", "/logs/batch", {
      body,
      waitMs: body.waitMs ?? 0,
      ...(signal ? { signal } : {}),
    });
    return LogBatch.parse(JSON.parse(reply));
  }

  /** The swarm this agent's Docker manages: nodes, services, tasks, networks (E_NOT_SWARM_MANAGER on a worker). */
  async swarm(signal?: AbortSignal): Promise<SwarmState> {
    return SwarmState.parse(JSON.parse(await this.call("GET", "/swarm", signal ? { signal } : {})));
  }

  /** Sets a swarm's node labels as Git declares them (on a manager). */
  async nodeLabels(body: NodeLabelsRequest): Promise<NodeLabelsResult> {
    return NodeLabelsResult.parse(JSON.parse(await this.call("POST", "/swarm/labels", { body })));
  }

  /** Creates the declared networks missing on the agent's host (or swarm). */
  async applyNetworks(body: NetworksApplyRequest): Promise<NetworksApplyResult> {
    return NetworksApplyResult.parse(JSON.parse(await this.call("POST", "/networks/apply", { body })));
  }

  /** Runs uptime checks on the agent's host now. */
  async checks(body: ChecksRequest, signal?: AbortSignal): Promise<CheckResult[]> {
    const reply = await this.call("POST", "/checks", { body, ...(signal ? { signal } : {}) });
    return ChecksReply.parse(JSON.parse(reply)).results;
  }

  /** Redeploys the agent's last good deploy of the stack, which must be at `body.commit`. */
  heal(stack: string, body: HealRequest, onEvent: (event: StreamEvent) => void): Promise<StreamResult> {
    return this.stream(`/stacks/${encodeURIComponent(stack)}/heal`, body, onEvent);
  }

  /** Pulls the named services' images and recreates only those, rolling back to `previous` on failure. */
  updateImages(stack: string, body: ImageUpdateRequest, onEvent: (event: StreamEvent) => void): Promise<StreamResult> {
    return this.stream(`/stacks/${encodeURIComponent(stack)}/update-images`, body, onEvent);
  }

  action(
    stack: string,
    action: StackAction,
    body: ActionRequest,
    onEvent: (event: StreamEvent) => void,
  ): Promise<StreamResult> {
    return this.stream(`/stacks/${encodeURIComponent(stack)}/${action}`, body, onEvent);
  }

  private async stream(path: string, body: unknown, onEvent: (event: StreamEvent) => void): Promise<StreamResult> {
    let result: StreamResult | undefined;
    await this.call("POST", path, {
      body,
      onLine: (line) => {
        const event = StreamEvent.parse(JSON.parse(line));
        if (event.type === "result") result = event;
        onEvent(event);
      },
    });
    // The agent went away mid-stream (crash, restart, network): the outcome is unknown, so the
    // deploy counts as one that never reached its agent and the next check tries it again.
    if (!result)
      throw this.error(
        "E_AGENT_UNREACHABLE",
        `the agent on ${this.options.server} stopped answering during ${path} (did it restart?); the outcome is unknown`,
      );
    return result;
  }

  /**
   * A WebSocket to the agent (a shell). Inbound, the TLS connection is made and
   * its certificate checked against the trusted fingerprint first; only then
   * does the upgrade request carry the passkey.
   */
  async webSocket(path: string): Promise<WebSocket> {
    const options = this.options;
    const { timeoutSeconds } = options;
    const where = this.where;
    const connection = options.link
      ? await options.link.open()
      : await new Promise<TLSSocket>((resolve, reject) => {
          const url = new URL(path, options.address);
          const tls = tlsConnect({
            host: url.hostname,
            port: Number(url.port || 443),
            secureContext,
            rejectUnauthorized: false, // self-signed: trust comes from the fingerprint, checked below
            timeout: timeoutSeconds * 1000,
          });
          tls.once("timeout", () => tls.destroy(this.error("E_AGENT_UNREACHABLE", `${where} did not answer`)));
          tls.once("error", (error) =>
            reject(this.error("E_AGENT_UNREACHABLE", `${where} is unreachable (${error.message})`, error)),
          );
          tls.once("secureConnect", () => {
            tls.setTimeout(0);
            checkTrust(options, tls.getPeerCertificate().fingerprint256, false).then(
              () => resolve(tls),
              (error: unknown) => {
                tls.destroy();
                reject(error);
              },
            );
          });
        });
    const ws = new WebSocket(
      options.link ? `ws://agent.link${path}` : new URL(path, options.address.replace(/^https:/, "wss:")),
      {
        createConnection: () => connection as TLSSocket,
        headers: options.link ? {} : { authorization: `Bearer ${options.passkey}` },
        handshakeTimeout: timeoutSeconds * 1000,
        maxPayload: 1024 * 1024,
      },
    );
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => reject(this.replyError(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
      });
      ws.once("error", (error) =>
        reject(this.error("E_AGENT_UNREACHABLE", `${where} closed ${path}: ${error.message}`, error)),
      );
    });
  }

  /** How messages name the agent. */
  private get where(): string {
    return this.options.link
      ? `the agent of ${this.options.server} (outbound link)`
      : `agent at ${this.options.address}`;
  }

  private error(code: ErrorCode, message: string, cause?: unknown): TugError {
    return new TugError(code, message, cause === undefined ? undefined : { cause });
  }

  /** One request; with `onLine`, the reply is read as NDJSON lines as they arrive. */
  private call(method: string, path: string, call: CallOptions = {}): Promise<string> {
    const options = this.options;
    // Not AbortSignal.any: both sources live as long as core does (linked-signal.ts).
    const { signal, release } = linkedSignal([call.signal, this.options.signal]);
    // A link's channel opens no connection of core's; an inbound agent's request waits for a turn.
    const turn = options.link ? Promise.resolve(() => {}) : openingTurn(signal);
    return turn.then((endTurn) => this.send(method, path, call, signal, release, endTurn));
  }

  /** `call` once it may open its connection: `endTurn` once it is open and trusted (or failed). */
  private send(
    method: string,
    path: string,
    call: CallOptions,
    signal: AbortSignal,
    release: () => void,
    endTurn: () => void,
  ): Promise<string> {
    const options = this.options;
    const { server, timeoutSeconds } = options;
    const where = this.where;
    return new Promise((resolve, reject) => {
      const payload = call.bytes ? call.bytes.data : call.body === undefined ? undefined : JSON.stringify(call.body);
      let settled = false;
      // Every timer of this call, cleared when it settles: none may keep a stopping core alive.
      const timers = new Set<NodeJS.Timeout>();
      let connectDeadline: LoopDeadline | undefined;
      const settle = () => {
        settled = true;
        endTurn();
        release();
        connectDeadline?.clear();
        for (const timer of timers) clearTimeout(timer);
      };
      const fail = (error: TugError) => {
        if (settled) return;
        settle();
        req.destroy();
        reject(error);
      };
      const succeed = (text: string) => {
        if (settled) return;
        settle();
        resolve(text);
      };
      const headers = call.bytes
        ? { ...call.bytes.headers, "content-length": call.bytes.data.length }
        : payload === undefined
          ? {}
          : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) };
      const link = options.link;
      let req: ClientRequest;
      try {
        req = link
          ? httpRequest(`http://agent.link${path}`, {
              method,
              headers,
              // A new stream of the link for each call, as a new connection for each inbound one.
              createConnection: ((_options: unknown, done: (error: Error | null, socket?: Duplex) => void) => {
                link.open().then(
                  (stream) => done(null, stream),
                  (error: Error) => done(error),
                );
                return undefined;
              }) as never,
            })
          : request(`${options.address.replace(/\/$/, "")}${path}`, {
              method,
              agent: call.onLine || call.bytes ? tlsAgent : keptAlive,
              rejectUnauthorized: false, // self-signed: trust comes from the fingerprint
              headers,
            });
      } catch (error) {
        const address = options.link ? "" : options.address;
        endTurn();
        release();
        reject(this.error("E_AGENT_UNREACHABLE", `agent address ${address} of ${server} is not a valid URL`, error));
        return;
      }
      const onAbort = () =>
        fail(
          this.options.signal?.aborted
            ? this.error("E_AGENT_UNREACHABLE", `core is stopping; ${method} ${path} on ${server} was cut off`)
            : call.signal?.aborted
              ? this.error("E_AGENT_UNREACHABLE", `${method} ${path} on ${server} was cancelled`)
              : this.error(
                  "E_AGENT_UNREACHABLE",
                  `${where} did not finish ${method} ${path} within ${(REQUEST_TIMEOUT_MS + (call.waitMs ?? 0)) / 1000} s`,
                ),
        );
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      req.on("close", () => signal.removeEventListener("abort", onAbort));
      // A short request has a deadline of its own; a stream only an idle one (below).
      if (!call.onLine) timers.add(setTimeout(onAbort, REQUEST_TIMEOUT_MS + (call.waitMs ?? 0)));
      // Not counting time core itself was busy (loop-deadline.ts).
      connectDeadline = loopDeadline(timeoutSeconds * 1000, () =>
        fail(
          this.error(
            "E_AGENT_UNREACHABLE",
            `${where} did not answer within ${timeoutSeconds} s; is tug agent running on ${server}?`,
          ),
        ),
      );
      const connected = () => {
        connectDeadline?.clear();
        endTurn();
      };
      // The link was authenticated both ways when the agent opened it: no passkey, no certificate to check.
      if (options.link) {
        req.on("socket", connected);
        if (this.options.coreContainer) req.setHeader("x-tugboat-core-container", this.options.coreContainer);
        req.end(payload);
      } else
        req.on("socket", (socket) => {
          const tls = socket as TLSSocket;
          const known = peerFingerprints.get(tls);
          const onConnected = (check: (fingerprint: string) => void) =>
            // A kept-alive connection has shown its certificate already: checked again, for this request.
            known !== undefined
              ? check(known)
              : tls.once("secureConnect", () => {
                  const fingerprint = tls.getPeerCertificate().fingerprint256;
                  peerFingerprints.set(tls, fingerprint);
                  check(fingerprint);
                });
          onConnected((fingerprint) => {
            checkTrust(options, fingerprint, call.beforeTrust ?? false).then(
              (trusted) => {
                connected();
                if (settled) return;
                // Credentials only to the trusted certificate; /health before trust goes without.
                if (trusted) {
                  req.setHeader("authorization", `Bearer ${options.passkey}`);
                  // When core runs in a container on this host, the agent never stops, recreates or removes it.
                  if (this.options.coreContainer) req.setHeader("x-tugboat-core-container", this.options.coreContainer);
                }
                req.end(payload);
              },
              (error: unknown) => {
                connected();
                fail(error instanceof TugError ? error : this.error("E_INTERNAL", String(error)));
              },
            );
          });
        });
      req.on("error", (error) => {
        connected();
        // The link's own errors (not linked, stream refused) already say what happened.
        if (error instanceof TugError) return fail(error);
        fail(
          this.error(
            "E_AGENT_UNREACHABLE",
            `${where} is unreachable (${(error as NodeJS.ErrnoException).code ?? error.message}); is tug agent running on ${server}?`,
            error,
          ),
        );
      });
      req.on("response", (res) => {
        const streaming = call.onLine !== undefined && res.statusCode === 200;
        const limit = streaming ? MAX_STREAM_BYTES : MAX_REPLY_BYTES;
        let received = 0;
        let idle: NodeJS.Timeout | undefined;
        const touch = () => {
          if (!streaming || settled) return;
          if (idle) {
            clearTimeout(idle);
            timers.delete(idle);
          }
          idle = setTimeout(
            () =>
              fail(
                this.error(
                  "E_AGENT_UNREACHABLE",
                  `${where} went silent for ${STREAM_IDLE_TIMEOUT_MS / 1000} s during ${path}; the outcome is unknown`,
                ),
              ),
            STREAM_IDLE_TIMEOUT_MS,
          );
          timers.add(idle);
        };
        touch();
        res.on("data", (chunk: Buffer) => {
          received += chunk.length;
          touch();
          if (received > limit)
            fail(this.error("E_AGENT_ERROR", `agent on ${server} sent more than ${limit} bytes for ${path}`));
        });
        res.on("error", (error) =>
          fail(
            this.error(
              "E_AGENT_UNREACHABLE",
              `${where} dropped the connection (${(error as NodeJS.ErrnoException).code ?? error.message})`,
              error,
            ),
          ),
        );
        if (streaming) {
          const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
          // readline re-emits the reply's error (the agent died mid-stream); res's own handler reports it.
          lines.on("error", () => undefined);
          lines.on("line", (line) => {
            if (!line || settled) return; // empty lines are the agent's keep-alives
            try {
              call.onLine?.(line);
            } catch (error) {
              fail(
                this.error(
                  "E_AGENT_ERROR",
                  `agent on ${server} sent a malformed line during ${path}: ${(error as Error).message}`,
                ),
              );
            }
          });
          lines.on("close", () => {
            clearTimeout(idle);
            succeed("");
          });
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 400) return succeed(text);
          fail(this.replyError(status, text));
        });
      });
    });
  }

  /** The agent's error as core reports it: its code kept where core knows it. */
  private replyError(status: number, text: string): TugError {
    const { server } = this.options;
    const where = this.where;
    let detail: { code?: string; message?: string } | undefined;
    try {
      detail = (JSON.parse(text) as { error?: { code: string; message: string } }).error;
    } catch {
      detail = undefined;
    }
    const message = `agent on ${server}: ${detail?.message ?? `HTTP ${status}`}`;
    if (status === 401)
      return this.error("E_AGENT_UNAUTHORIZED", `${where} refused the passkey; check the passkey of ${server}`);
    if (status === 403) return this.error("E_AGENT_UNAUTHORIZED", message);
    const code = detail?.code;
    if (code && code in ERROR_STATUS && code !== "E_UNAUTHORIZED" && code !== "E_FORBIDDEN")
      return this.error(code as ErrorCode, message);
    return this.error("E_AGENT_ERROR", message);
  }
}
