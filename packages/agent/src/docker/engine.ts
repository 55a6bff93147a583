// The one module that talks to dockerd: a small Engine API client over the
// unix socket (or tcp:// DOCKER_HOST). Not dockerode: it loads gRPC and
// protobuf for BuildKit sessions, 26 MB of the agent's 60 MB budget, for
// calls the agent never makes.
import { Agent, type IncomingMessage, request } from "node:http";
import type { Duplex } from "node:stream";
import { TugError } from "@tugboat/protocol";

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  State: string;
  Status: string;
  Created: number;
  Labels: Record<string, string>;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; GlobalIPv6Address?: string }> };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  RestartCount: number;
  Image: string;
  Config: { Image: string; Labels: Record<string, string>; Tty: boolean; Healthcheck?: { Test?: string[] } };
  State: {
    Status: string;
    Running: boolean;
    Restarting: boolean;
    ExitCode: number;
    Health?: { Status: string; FailingStreak?: number };
  };
  HostConfig: { RestartPolicy?: { Name: string } };
}

export interface LogLine {
  stream: "stdout" | "stderr";
  line: string;
}

export class DockerEngine {
  readonly dockerHost: string;
  private readonly target: { socketPath?: string; host?: string; port?: number };
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  /** Followed log streams stay open for as long as their container runs: one socket each, outside the shared pool. */
  private readonly streams = new Agent({ keepAlive: false });

  /** How long a request that is not a stream may wait on dockerd (a hung daemon must not hang the agent). */
  private readonly deadlineMs: number;

  constructor(
    dockerHost = process.env.DOCKER_HOST || "unix:///var/run/docker.sock",
    options: { deadlineMs?: number } = {},
  ) {
    this.dockerHost = dockerHost;
    this.deadlineMs = options.deadlineMs ?? 60_000;
    if (dockerHost.startsWith("unix://")) this.target = { socketPath: dockerHost.slice("unix://".length) };
    else {
      const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
      this.target = { host: url.hostname, port: Number(url.port || 2375) };
    }
  }

  close(): void {
    this.agent.destroy();
    this.streams.destroy();
  }

  /**
   * One request. A call must be answered within the deadline; a stream
   * (`stream` given) must start within it, then may stay open until its
   * signal aborts. An abort before dockerd answers ends the request too, so a
   * stream is never left running for a caller that already gave up.
   */
  private raw(
    method: string,
    path: string,
    body?: unknown,
    stream?: { signal?: AbortSignal | undefined; headers?: Record<string, string> },
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const what = `${method} ${path.split("?")[0]}`;
      const req = request(
        {
          ...this.target,
          agent: stream ? this.streams : this.agent,
          method,
          path,
          headers: { ...stream?.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(stream?.signal ? { signal: stream.signal } : {}),
        },
        (res) => {
          clearTimeout(answer);
          resolve(res);
        },
      );
      const giveUp = () => req.destroy(new Error(`no answer to ${what} within ${this.deadlineMs / 1000} s`));
      const answer = setTimeout(giveUp, this.deadlineMs);
      req.on("error", (error) => {
        clearTimeout(answer);
        reject(
          new TugError("E_DOCKER_UNAVAILABLE", `cannot reach dockerd at ${this.dockerHost}: ${error.message}`, {
            cause: error,
          }),
        );
      });
      // A call that goes quiet halfway through its answer is given up as well.
      if (!stream) req.setTimeout(this.deadlineMs, giveUp);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** A stream's request; undefined when its signal aborted before dockerd answered. */
  private async openStream(
    path: string,
    signal: AbortSignal | undefined,
    request: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<IncomingMessage | undefined> {
    try {
      return await this.raw(request.method ?? "GET", path, undefined, {
        signal,
        ...(request.headers ? { headers: request.headers } : {}),
      });
    } catch (error) {
      if (signal?.aborted) return undefined;
      throw error;
    }
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if ((res.statusCode ?? 500) >= 400) {
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      const code = res.statusCode === 404 ? "E_NOT_FOUND" : "E_DOCKER_UNAVAILABLE";
      throw new TugError(code, `dockerd ${method} ${path.split("?")[0]}: ${message.trim()}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.raw("GET", "/_ping");
      res.resume();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }> {
    return this.json("GET", "/version");
  }

  /** Containers carrying every label given (`key=value` or `key`). */
  listContainers(options: { all?: boolean; labels?: string[] } = {}): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: options.labels ?? [] }));
    return this.json("GET", `/containers/json?all=${options.all ? 1 : 0}&filters=${filters}`);
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.json("GET", `/containers/${encodeURIComponent(id)}/json`);
  }

  inspectImage(
    id: string,
  ): Promise<{ Id: string; RepoDigests?: string[]; Os?: string; Architecture?: string; Variant?: string }> {
    return this.json("GET", `/images/${encodeURIComponent(id)}/json`);
  }

  /** Points `repo:tag` at the local image `id`. */
  async tagImage(id: string, target: { repo: string; tag: string }): Promise<void> {
    const query = new URLSearchParams(target);
    await this.json("POST", `/images/${encodeURIComponent(id)}/tag?${query}`);
  }

  /** One stats sample without Docker's one-second wait (the caller computes rates). */
  stats(id: string): Promise<{
    cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
    memory_stats: { usage?: number; stats?: Record<string, number> };
  }> {
    return this.json("GET", `/containers/${encodeURIComponent(id)}/stats?stream=0&one-shot=1`);
  }

  /** Creates an exec with a TTY in a running container; returns its ID. */
  async createExec(container: string, command: readonly string[]): Promise<string> {
    const created = await this.json<{ Id: string }>("POST", `/containers/${encodeURIComponent(container)}/exec`, {
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Cmd: command,
      Env: ["TERM=xterm-256color"],
    });
    return created.Id;
  }

  /** Starts an exec and hands back its raw terminal stream (Docker upgrades the connection). */
  startExec(id: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify({ Detach: false, Tty: true });
      const req = request({
        ...this.target,
        agent: this.streams,
        method: "POST",
        path: `/exec/${encodeURIComponent(id)}/start`,
        headers: { "content-type": "application/json", connection: "Upgrade", upgrade: "tcp" },
      });
      req.setTimeout(30_000, () => req.destroy(new Error("dockerd did not start the exec within 30 s")));
      req.on("upgrade", (_res, socket, head) => {
        req.setTimeout(0);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on("response", (res) => {
        res.resume();
        reject(new TugError("E_DOCKER_UNAVAILABLE", `dockerd answered ${res.statusCode} to starting exec ${id}`));
      });
      req.on("error", (error) =>
        reject(new TugError("E_DOCKER_UNAVAILABLE", `cannot start exec ${id}: ${error.message}`, { cause: error })),
      );
      req.end(body);
    });
  }

  async resizeExec(id: string, size: { cols: number; rows: number }): Promise<void> {
    await this.json("POST", `/exec/${encodeURIComponent(id)}/resize?h=${size.rows}&w=${size.cols}`);
  }

  inspectExec(id: string): Promise<{ Running: boolean; ExitCode: number | null }> {
    return this.json("GET", `/exec/${encodeURIComponent(id)}/json`);
  }

  /**
   * Pulls one image (`ref.name` is its repository with the registry,
   * `ref.tag` its tag or digest: never empty, which would pull every tag of
   * the repository), yielding dockerd's status
   * lines; throws with dockerd's message when the pull fails. Ends early,
   * with an error, when `signal` aborts.
   */
  async *pullImage(
    ref: { name: string; tag: string },
    options: { auth?: string | undefined; signal: AbortSignal },
  ): AsyncGenerator<string> {
    const query = new URLSearchParams({ fromImage: ref.name, tag: ref.tag });
    const what = `pull of ${ref.name}${ref.tag.startsWith("sha256:") ? "@" : ":"}${ref.tag}`;
    const headers = options.auth ? { "x-registry-auth": options.auth } : undefined;
    const res = await this.openStream(`/images/create?${query}`, options.signal, {
      method: "POST",
      ...(headers ? { headers } : {}),
    });
    if (!res) throw new TugError("E_DOCKER_UNAVAILABLE", `${what} given up: ${String(options.signal.reason)}`);
    const onAbort = () => res.destroy();
    options.signal.addEventListener("abort", onAbort, { once: true });
    let pending = "";
    let failed: string | undefined;
    try {
      for await (const chunk of res) {
        const lines = (pending + (chunk as Buffer).toString("utf8")).split("\n");
        pending = lines.pop() ?? "";
        // One status line is short: a longer one is not dockerd's, and is not kept.
        if (pending.length > 64 * 1024)
          throw new TugError("E_DOCKER_UNAVAILABLE", `${what}: an answer line over 64 KiB`);
        for (const line of lines) {
          const status = pullStatus(line, res.statusCode ?? 500);
          if (status.error) failed = status.error;
          else if (status.line) yield status.line;
        }
      }
    } catch (error) {
      if (options.signal.aborted)
        throw new TugError("E_DOCKER_UNAVAILABLE", `${what} given up: ${String(options.signal.reason)}`);
      throw error;
    } finally {
      options.signal.removeEventListener("abort", onAbort);
    }
    const last = pending.trim() ? pullStatus(pending, res.statusCode ?? 500) : {};
    failed ??= last.error;
    if (!failed && (res.statusCode ?? 500) >= 400) failed = `dockerd answered ${res.statusCode}`;
    if (failed) throw new TugError("E_DOCKER_UNAVAILABLE", `${what}: ${failed}`);
    if (last.line) yield last.line;
  }

  /** Container events (start, die, …) as Docker reports them, until `signal` aborts. */
  async *containerEvents(signal: AbortSignal): AsyncGenerator<{ action: string; id: string }> {
    const filters = encodeURIComponent(JSON.stringify({ type: ["container"] }));
    const res = await this.openStream(`/events?filters=${filters}`, signal);
    if (!res) return;
    if ((res.statusCode ?? 500) >= 400) {
      res.resume();
      throw new TugError("E_DOCKER_UNAVAILABLE", `dockerd answered ${res.statusCode} to GET /events`);
    }
    const onAbort = () => res.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    let pending = "";
    try {
      for await (const chunk of res) {
        const lines = (pending + (chunk as Buffer).toString("utf8")).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (!line.trim()) continue;
          const event = JSON.parse(line) as { Action?: string; id?: string };
          yield { action: event.Action ?? "", id: event.id ?? "" };
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * A container's log lines; with `follow`, until `signal` aborts or the
   * container stops. With `timestamps`, each line starts with Docker's RFC
   * 3339 timestamp and a space. `since` is seconds since the epoch, with a
   * fraction down to nanoseconds ("1765000000.123456789").
   */
  async *logs(
    id: string,
    options: {
      tail?: number;
      since?: number | string;
      follow?: boolean;
      tty?: boolean;
      timestamps?: boolean;
      signal?: AbortSignal;
      /** `id` is a swarm service's: its tasks' logs across the nodes, through this manager. */
      swarmService?: boolean;
    },
  ): AsyncGenerator<LogLine> {
    const query = new URLSearchParams({
      stdout: "1",
      stderr: "1",
      follow: options.follow ? "1" : "0",
      tail: options.tail === undefined ? "all" : String(options.tail),
      ...(options.since ? { since: String(options.since) } : {}),
      ...(options.timestamps ? { timestamps: "1" } : {}),
    });
    if (options.signal?.aborted) return;
    const kind = options.swarmService ? "services" : "containers";
    const path = `/${kind}/${encodeURIComponent(id)}/logs?${query}`;
    const res = options.follow ? await this.openStream(path, options.signal) : await this.raw("GET", path);
    if (!res) return;
    if ((res.statusCode ?? 500) >= 400) {
      res.resume();
      throw new TugError("E_NOT_FOUND", `no logs for ${kind.slice(0, -1)} ${id} (dockerd answered ${res.statusCode})`);
    }
    const onAbort = () => res.destroy();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const pending = { stdout: "", stderr: "" };
    let buffer = Buffer.alloc(0);
    try {
      for await (const chunk of res) {
        const frames: Array<[LogLine["stream"], string]> = [];
        if (options.tty) frames.push(["stdout", (chunk as Buffer).toString("utf8")]);
        else {
          buffer = Buffer.concat([buffer, chunk as Buffer]);
          // Multiplexed stream: 8-byte header (stream id, 0, 0, 0, big-endian size) then the payload.
          while (buffer.length >= 8) {
            const size = buffer.readUInt32BE(4);
            if (buffer.length < 8 + size) break;
            frames.push([buffer[0] === 2 ? "stderr" : "stdout", buffer.subarray(8, 8 + size).toString("utf8")]);
            buffer = buffer.subarray(8 + size);
          }
        }
        for (const [stream, text] of frames) {
          const lines = (pending[stream] + text).split("\n");
          pending[stream] = lines.pop() ?? "";
          for (const line of lines) yield { stream, line };
        }
      }
    } catch (error) {
      if (!options.signal?.aborted) throw error;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
    for (const stream of ["stdout", "stderr"] as const) if (pending[stream]) yield { stream, line: pending[stream] };
  }
}

/**
 * One line of a pull's answer: an error (in the stream, or the body of a
 * refusal), or a status worth a log line. Progress bars, which dockerd sends
 * many times a second per layer, are left out.
 */
function pullStatus(line: string, statusCode: number): { line?: string; error?: string } {
  if (!line.trim()) return {};
  let parsed: { status?: string; id?: string; progressDetail?: { current?: number }; error?: string; message?: string };
  try {
    parsed = JSON.parse(line);
  } catch {
    return statusCode >= 400 ? { error: line.trim() } : { line: line.trim() };
  }
  if (parsed.error || (statusCode >= 400 && parsed.message)) return { error: parsed.error ?? parsed.message ?? "" };
  if (!parsed.status || parsed.progressDetail?.current !== undefined) return {};
  return { line: parsed.id ? `${parsed.id}: ${parsed.status}` : parsed.status };
}
