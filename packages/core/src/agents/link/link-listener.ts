// Core's agent-link listener: its own port (agent_link_port), so that the one
// thing facing the networks outbound agents dial from is this endpoint, not
// the UI and API. TLS with core's link certificate (given, or self-signed and
// kept in the data dir), or plain behind a TLS-terminating proxy. An agent is
// let in only with its server's enrolment token; a refusal is audited.
import { X509Certificate } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { AGENT_LINK_PATH, LINK_HEARTBEAT_HEADER, LINK_VERSION_HEADER } from "@tugboat/protocol";
import { WebSocketServer } from "ws";
import type { AuditLog } from "../../auth/audit.js";
import type { AgentLinks } from "./agent-links.js";
import type { AgentTokens } from "./agent-tokens.js";

export interface LinkListenerOptions {
  port: number;
  host: string;
  /** Key and certificate (PEM); none: plain WebSocket, for a proxy that terminates TLS in front. */
  tls: { key: string; cert: string } | undefined;
  heartbeatSeconds: number;
  tokens: AgentTokens;
  links: AgentLinks;
  audit: AuditLog;
  log: (line: string) => void;
}

export interface LinkListener {
  port: number;
  /** The SHA-256 fingerprint of the link certificate, "" when plain. */
  fingerprint: string;
  close(): Promise<void>;
}

/** One audit row per address and reason a minute: a scanner cannot fill the audit table. */
const REFUSALS_RECORDED_EVERY_MS = 60_000;

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} Refused\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(reason)}\r\nconnection: close\r\n\r\n${reason}`,
  );
}

export async function startLinkListener(options: LinkListenerOptions): Promise<LinkListener> {
  const { tls, tokens, links, audit, log } = options;
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert, handshakeTimeout: 10_000 })
    : createHttpServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.on("request", (_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" });
    res.end(`this is Tugboat core's agent link: tug agent --core wss://HOST:PORT${AGENT_LINK_PATH}\n`);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false });
  sockets.on("headers", (headers) => headers.push(`${LINK_HEARTBEAT_HEADER}: ${options.heartbeatSeconds}`));
  const recorded = new Map<string, number>();
  const denied = (remote: string, server: string, reason: string) => {
    log(`agent link from ${remote} refused: ${reason}`);
    const key = `${remote} ${reason}`;
    const now = Date.now();
    if ((recorded.get(key) ?? 0) > now - REFUSALS_RECORDED_EVERY_MS) return;
    for (const [old, at] of recorded) if (at <= now - REFUSALS_RECORDED_EVERY_MS) recorded.delete(old);
    recorded.set(key, now);
    audit
      .record({
        actor: server ? `agent:${server}` : "agent:?",
        action: "agent.link",
        target: server,
        outcome: "denied",
        source: remote,
        detail: { reason },
      })
      .catch((error: Error) => log(`could not record a refused agent link: ${error.message}`));
  };
  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remote = req.socket.remoteAddress ?? "";
    if (new URL(req.url ?? "/", "http://core").pathname !== AGENT_LINK_PATH)
      return refuse(socket, 404, `no WebSocket here; agents dial ${AGENT_LINK_PATH}`);
    const token = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) {
      denied(remote, "", "no token");
      return refuse(socket, 401, "no token: give the agent the token tug server enroll printed");
    }
    const check = await tokens.check(token);
    if (!check.ok) {
      denied(remote, check.server, check.reason);
      return refuse(socket, 401, `${check.reason}; enrol the server again with tug server enroll`);
    }
    const version = String(req.headers[LINK_VERSION_HEADER] ?? "");
    sockets.handleUpgrade(req, socket, head, (ws) => {
      log(`agent of ${check.server} linked from ${remote} (${version || "unknown version"})`);
      links.attach(check.server, ws, { remote, version });
    });
  };
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => undefined);
    upgrade(req, socket, head).catch((error: Error) => {
      log(`agent link from ${req.socket.remoteAddress}: ${error.message}`);
      refuse(socket, 500, "core could not check the token");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const fingerprint = tls ? new X509Certificate(tls.cert).fingerprint256 : "";
  log(
    `agent link listening on ${tls ? "wss" : "ws (behind a TLS proxy)"}://${options.host}:${port}${AGENT_LINK_PATH}` +
      (fingerprint ? `; certificate fingerprint (SHA-256): ${fingerprint}` : ""),
  );
  return {
    port,
    fingerprint,
    async close() {
      links.close();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
