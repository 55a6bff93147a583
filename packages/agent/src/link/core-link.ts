// Outbound mode: the agent dials core and keeps one WebSocket open. Core is
// verified before the token leaves: its certificate must have the pinned
// fingerprint, or chain to the given CA (or the system's). Over the socket,
// core opens a channel per request (@tugboat/link) that this side hands to the
// agent's own HTTP server as a connection: the routes served over HTTPS,
// multiplexed, each channel with its own flow control.
import type { Server } from "node:http";
import { isIP } from "node:net";
import { rootCertificates, type TLSSocket, connect as tlsConnect } from "node:tls";
import { LinkMux } from "@tugboat/link";
import { AGENT_LINK_PATH, LINK_HEARTBEAT_HEADER, LINK_VERSION_HEADER, normalizeFingerprint } from "@tugboat/protocol";
import type { WebSocket } from "ws";
import { markLinked } from "../server/auth.js";
import { reconnectDelay } from "./backoff.js";

export interface CoreLinkOptions {
  /** wss://core:9121 (the path defaults to /agent/link). */
  url: string;
  token: string;
  /** core's certificate fingerprint (SHA-256); "" verifies it against `ca` or the system's CAs. */
  fingerprint: string;
  /** PEM of a CA that signs core's certificate ("": the system's). */
  ca: string;
  /** The agent's HTTP server: every stream core opens becomes one of its connections. */
  server: Server;
  version: string;
  log: (line: string) => void;
}

const CONNECT_TIMEOUT_MS = 15_000;

/** A link that stayed up this long starts the backoff from the beginning when it drops. */
const STABLE_MS = 30_000;

function linkUrl(url: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== "wss:")
    throw new Error(
      `core URL ${url} must start with wss://: the link carries core's requests and the agent's token, so it is always TLS`,
    );
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = AGENT_LINK_PATH;
  return parsed;
}

export class CoreLink {
  private readonly url: URL;
  private socket: WebSocket | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  /** Why the last attempt failed, for the log line of the next one that does the same. */
  private lastProblem = "";

  constructor(private readonly options: CoreLinkOptions) {
    this.url = linkUrl(options.url);
  }

  start(): void {
    this.dial();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.terminate();
  }

  private dial(): void {
    if (this.stopped) return;
    const started = Date.now();
    this.open().then(
      (ws) => {
        this.socket = ws;
        this.lastProblem = "";
        this.options.log(`linked to core at ${this.url.origin}`);
        ws.once("close", (code, reason) => {
          this.socket = undefined;
          if (this.stopped) return;
          if (Date.now() - started > STABLE_MS) this.failures = 0;
          this.options.log(`link to core closed (${code}${reason.length ? `: ${reason}` : ""}); dialling again`);
          this.later();
        });
      },
      (error: Error) => {
        if (this.stopped) return;
        if (error.message !== this.lastProblem) this.options.log(`cannot link to core: ${error.message}`);
        this.lastProblem = error.message;
        this.later();
      },
    );
  }

  private later(): void {
    const delay = reconnectDelay(this.failures++);
    this.retry = setTimeout(() => this.dial(), delay);
  }

  /** TLS first, core's certificate checked, and only then the upgrade request with the token. */
  private async open(): Promise<WebSocket> {
    const { token, fingerprint, ca, version } = this.options;
    const host = this.url.hostname.replace(/^\[|\]$/g, "");
    const pinned = normalizeFingerprint(fingerprint);
    const tls = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect({
        host,
        port: Number(this.url.port || 443),
        ...(isIP(host) ? {} : { servername: host }),
        // Pinned: trust is the fingerprint, checked below. Otherwise the CA chain and the name.
        rejectUnauthorized: !pinned,
        ...(pinned ? {} : ca ? { ca: [...rootCertificates, ca] } : {}),
        timeout: CONNECT_TIMEOUT_MS,
      });
      socket.once("timeout", () => socket.destroy(new Error(`core at ${this.url.host} did not answer`)));
      socket.once("error", (error) => reject(new Error(`core at ${this.url.host}: ${error.message}`)));
      socket.once("secureConnect", () => {
        socket.setTimeout(0);
        const presented = socket.getPeerCertificate().fingerprint256;
        if (pinned && presented !== pinned) {
          socket.destroy();
          reject(
            new Error(
              `core at ${this.url.host} presented certificate ${presented}, not the pinned ${pinned}; nothing was sent to it`,
            ),
          );
          return;
        }
        resolve(socket);
      });
    });
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(this.url, {
      createConnection: () => tls,
      headers: { authorization: `Bearer ${token}`, [LINK_VERSION_HEADER]: version },
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      maxPayload: 1024 * 1024,
      perMessageDeflate: false,
    });
    const heartbeat = await new Promise<number>((resolve, reject) => {
      ws.once("upgrade", (res) => resolve(Number(res.headers[LINK_HEARTBEAT_HEADER] ?? 15) || 15));
      ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.length < 16 && chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8").slice(0, 500);
          reject(new Error(`core refused the link (HTTP ${res.statusCode}): ${text || "no reason given"}`));
        });
        res.on("error", reject);
      });
      ws.once("error", (error) => reject(new Error(`core at ${this.url.host}: ${error.message}`)));
    });
    await new Promise<void>((resolve, reject) => {
      if (ws.readyState === ws.OPEN) resolve();
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.on("error", () => undefined); // "close" follows, and is handled
    // Core pings every `heartbeat` seconds: three missed and the link is dead (a cut cable sends no FIN).
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => ws.terminate(), heartbeat * 3 * 1000);
    };
    arm();
    ws.on("ping", arm);
    ws.once("close", () => clearTimeout(watchdog));
    // Each channel core opens is one connection to the agent's routes.
    new LinkMux(ws, {
      onChannel: (channel) => {
        channel.on("error", () => undefined);
        markLinked(channel);
        this.options.server.emit("connection", channel);
      },
    });
    return ws;
  }
}
