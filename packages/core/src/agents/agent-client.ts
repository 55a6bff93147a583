// Core's client for one agent: HTTPS with the passkey, and the agent's
// certificate pinned on first contact. A request body (which may hold
// secrets) is sent only after the certificate checked out.
import { Agent, request } from "node:https";
import type { TLSSocket } from "node:tls";
import {
  type ActionRequest,
  AgentHealth,
  AgentInfo,
  type DeployRequest,
  type ErrorCode,
  HostStats,
  type StackAction,
  StackStatus,
  StreamEvent,
  type StreamResult,
  TugError,
} from "@tugboat/protocol";

export interface PinPolicy {
  /** The pinned fingerprint, or null before first contact. */
  pinned: string | null;
  /** Called once on first contact, to store the pin. */
  onFirstContact(fingerprint: string): Promise<void>;
  /** Called when the agent presents another certificate (the request is refused). */
  onChanged(fingerprint: string): Promise<void>;
}

export interface AgentClientOptions {
  server: string;
  address: string;
  passkey: string;
  timeoutSeconds: number;
  pin: PinPolicy;
}

// One connection per request and no TLS session reuse: every request shows its
// certificate, so the pin is checked every time.
const tlsAgent = new Agent({ keepAlive: false, maxCachedSessions: 0 });

export class AgentClient {
  constructor(private readonly options: AgentClientOptions) {}

  async health(): Promise<AgentHealth> {
    return AgentHealth.parse(JSON.parse(await this.call("GET", "/health")));
  }

  async info(): Promise<AgentInfo> {
    return AgentInfo.parse(JSON.parse(await this.call("GET", "/info")));
  }

  async stats(): Promise<HostStats> {
    return HostStats.parse(JSON.parse(await this.call("GET", "/stats")));
  }

  async status(stack: string, project: string): Promise<StackStatus> {
    const path = `/stacks/${encodeURIComponent(stack)}/status?project=${encodeURIComponent(project)}`;
    return StackStatus.parse(JSON.parse(await this.call("GET", path)));
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
    await this.call("GET", path, undefined, (line) => options.onLine(JSON.parse(line)), options.signal).catch(
      (error: unknown) => {
        if (!options.signal.aborted) throw error;
      },
    );
  }

  deploy(stack: string, body: DeployRequest, onEvent: (event: StreamEvent) => void): Promise<StreamResult> {
    return this.stream(`/stacks/${encodeURIComponent(stack)}/deploy`, body, onEvent);
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
    await this.call("POST", path, body, (line) => {
      const event = StreamEvent.parse(JSON.parse(line));
      if (event.type === "result") result = event;
      onEvent(event);
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

  private error(code: ErrorCode, message: string, cause?: unknown): TugError {
    return new TugError(code, message, cause === undefined ? undefined : { cause });
  }

  /** One request; with `onLine`, the reply is read as NDJSON lines as they arrive. */
  private call(
    method: string,
    path: string,
    body?: unknown,
    onLine?: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<string> {
    const { server, address, passkey, timeoutSeconds, pin } = this.options;
    const url = `${address.replace(/\/$/, "")}${path}`;
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(url, {
        method,
        agent: tlsAgent,
        rejectUnauthorized: false, // self-signed: trust comes from the pinned fingerprint
        headers: {
          authorization: `Bearer ${passkey}`,
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        },
        ...(signal ? { signal } : {}),
      });
      req.setTimeout(timeoutSeconds * 1000, () => {
        // Only the connection and the first byte are bounded: a streamed deploy may run for minutes.
        if (!req.reusedSocket)
          req.destroy(
            this.error(
              "E_AGENT_UNREACHABLE",
              `agent at ${address} did not answer within ${timeoutSeconds} s; is tug agent running on ${server}?`,
            ),
          );
      });
      req.on("socket", (socket) => {
        socket.once("secureConnect", () => {
          const fingerprint = (socket as TLSSocket).getPeerCertificate().fingerprint256;
          const checked =
            pin.pinned === null
              ? pin.onFirstContact(fingerprint)
              : pin.pinned === fingerprint
                ? Promise.resolve()
                : pin.onChanged(fingerprint).then(() => {
                    throw this.error(
                      "E_AGENT_CERT_CHANGED",
                      `agent at ${address} presented certificate ${fingerprint}, not the pinned ${pin.pinned}; refused until an admin accepts it (POST /api/servers/${server}/accept-certificate)`,
                    );
                  });
          checked.then(
            () => {
              req.setTimeout(0);
              req.end(payload);
            },
            (error: unknown) => req.destroy(error as Error),
          );
        });
      });
      req.on("error", (error) => {
        if (error instanceof TugError) return reject(error);
        reject(
          this.error(
            "E_AGENT_UNREACHABLE",
            `agent at ${address} is unreachable (${(error as NodeJS.ErrnoException).code ?? error.message}); is tug agent running on ${server}?`,
            error,
          ),
        );
      });
      req.on("response", (res) => {
        let text = "";
        let pending = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (onLine && res.statusCode === 200) {
            const lines = (pending + chunk).split("\n");
            pending = lines.pop() ?? "";
            for (const line of lines) if (line) onLine(line);
          } else text += chunk;
        });
        res.on("error", (error) =>
          reject(
            this.error(
              "E_AGENT_UNREACHABLE",
              `agent at ${address} dropped the connection (${(error as NodeJS.ErrnoException).code ?? error.message})`,
              error,
            ),
          ),
        );
        res.on("end", () => {
          if (pending && onLine) onLine(pending);
          const status = res.statusCode ?? 0;
          if (status === 401)
            return reject(
              this.error(
                "E_AGENT_UNAUTHORIZED",
                `agent at ${address} refused the passkey; check TUG_AGENT_PASSKEY on ${server}`,
              ),
            );
          if (status >= 400) {
            const detail = (() => {
              try {
                return (JSON.parse(text) as { error?: { code: string; message: string } }).error;
              } catch {
                return undefined;
              }
            })();
            const code = detail?.code === "E_STACK_BUSY" ? "E_STACK_BUSY" : "E_AGENT_ERROR";
            return reject(this.error(code, `agent on ${server}: ${detail?.message ?? `HTTP ${status}`}`));
          }
          resolve(text);
        });
      });
    });
  }
}
