// Core's client for one agent: what core asks it, each request's reply
// parsed against the protocol. How a request reaches the agent (TLS and trust
// inbound, the agent's link outbound), and its deadlines: agent-transport.ts.
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import {
  type ActionRequest,
  AgentHealth,
  AgentInfo,
  type CheckResult,
  ChecksReply,
  type ChecksRequest,
  type DeployRequest,
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
import {
  type AgentClientOptions,
  agentError,
  agentName,
  callAgent,
  replyError,
  secureContext,
} from "./agent-transport.js";
import { checkTrust } from "./agent-trust.js";

export class AgentClient {
  constructor(private readonly options: AgentClientOptions) {}

  async health(signal?: AbortSignal): Promise<AgentHealth> {
    return AgentHealth.parse(
      JSON.parse(await callAgent(this.options, "GET", "/health", { beforeTrust: true, ...(signal ? { signal } : {}) })),
    );
  }

  async info(signal?: AbortSignal): Promise<AgentInfo> {
    return AgentInfo.parse(JSON.parse(await callAgent(this.options, "GET", "/info", signal ? { signal } : {})));
  }

  /** Sends a new build of the agent with its published hash; the agent checks, swaps and restarts. */
  async upgrade(build: { data: Buffer; sha256: string; version: string }): Promise<{ from: string; to: string }> {
    const headers = {
      "content-type": "application/octet-stream",
      "x-tugboat-sha256": build.sha256,
      "x-tugboat-version": build.version,
    };
    return JSON.parse(await callAgent(this.options, "POST", "/upgrade", { bytes: { data: build.data, headers } }));
  }

  /** Puts the agent's previous build back (and restarts it). */
  async rollBack(): Promise<{ from: string; to: string }> {
    return JSON.parse(await callAgent(this.options, "POST", "/upgrade/rollback", { body: {} }));
  }

  /** A status round's questions in one request: health, stats, statuses (E_NOT_FOUND from an agent older than it). */
  async poll(body: PollRequest, signal?: AbortSignal): Promise<PollReply> {
    return PollReply.parse(
      JSON.parse(await callAgent(this.options, "POST", "/poll", { body, ...(signal ? { signal } : {}) })),
    );
  }

  async stats(signal?: AbortSignal): Promise<HostStats> {
    return HostStats.parse(JSON.parse(await callAgent(this.options, "GET", "/stats", signal ? { signal } : {})));
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
        JSON.parse(await callAgent(this.options, "POST", "/stacks/status", { body, ...(signal ? { signal } : {}) })),
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
    return StackStatus.parse(JSON.parse(await callAgent(this.options, "GET", path, signal ? { signal } : {})));
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
    await callAgent(this.options, "GET", path, {
      onLine: (line) => options.onLine(JSON.parse(line)),
      signal: options.signal,
    }).catch((error: unknown) => {
      if (!options.signal.aborted) throw error;
    });
  }

  deploy(stack: string, body: DeployRequest, onEvent: (event: StreamEvent) => void): Promise<StreamResult> {
    return this.stream(`/stacks/${encodeURIComponent(stack)}/deploy`, body, onEvent);
  }

  /** Log lines the agent holds for core (a long-poll of up to `body.waitMs`). */
  async logBatch(body: LogBatchRequest, signal?: AbortSignal): Promise<LogBatch> {
    const reply = await callAgent(this.options, "POST", "/logs/batch", {
      body,
      waitMs: body.waitMs ?? 0,
      ...(signal ? { signal } : {}),
    });
    return LogBatch.parse(JSON.parse(reply));
  }

  /** The swarm this agent's Docker manages: nodes, services, tasks, networks (E_NOT_SWARM_MANAGER on a worker). */
  async swarm(signal?: AbortSignal): Promise<SwarmState> {
    return SwarmState.parse(JSON.parse(await callAgent(this.options, "GET", "/swarm", signal ? { signal } : {})));
  }

  /** Sets a swarm's node labels as Git declares them (on a manager). */
  async nodeLabels(body: NodeLabelsRequest): Promise<NodeLabelsResult> {
    return NodeLabelsResult.parse(JSON.parse(await callAgent(this.options, "POST", "/swarm/labels", { body })));
  }

  /** Creates the declared networks missing on the agent's host (or swarm). */
  async applyNetworks(body: NetworksApplyRequest): Promise<NetworksApplyResult> {
    return NetworksApplyResult.parse(JSON.parse(await callAgent(this.options, "POST", "/networks/apply", { body })));
  }

  /** Runs uptime checks on the agent's host now. */
  async checks(body: ChecksRequest, signal?: AbortSignal): Promise<CheckResult[]> {
    const reply = await callAgent(this.options, "POST", "/checks", { body, ...(signal ? { signal } : {}) });
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
    await callAgent(this.options, "POST", path, {
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
      throw agentError(
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
    const where = agentName(options);
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
          tls.once("timeout", () => tls.destroy(agentError("E_AGENT_UNREACHABLE", `${where} did not answer`)));
          tls.once("error", (error) =>
            reject(agentError("E_AGENT_UNREACHABLE", `${where} is unreachable (${error.message})`, error)),
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
        res.on("end", () =>
          reject(replyError(this.options, res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))),
        );
      });
      ws.once("error", (error) =>
        reject(agentError("E_AGENT_UNREACHABLE", `${where} closed ${path}: ${error.message}`, error)),
      );
    });
  }
}
