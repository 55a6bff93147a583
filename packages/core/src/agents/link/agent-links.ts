// The outbound agents that are linked now. Over each agent's WebSocket, a
// request to the agent opens a channel (@tugboat/link) that carries one
// HTTP/1.1 connection, so AgentClient speaks the same protocol as over HTTPS.
// Core pings every heartbeat: a link silent for two is cut, and every request
// in flight on it fails as unreachable.
import type { Duplex } from "node:stream";
import { LinkMux } from "@tugboat/link";
import { TugError } from "@tugboat/protocol";
import type { WebSocket } from "ws";

export interface LinkInfo {
  /** The address the agent dialled from. */
  remote: string;
  version: string;
  since: string;
}

interface Link extends LinkInfo {
  ws: WebSocket;
  mux: LinkMux;
}

export class AgentLinks {
  private readonly links = new Map<string, Link>();
  private readonly connectListeners = new Set<(server: string) => void>();

  constructor(private readonly heartbeatMs: number) {}

  /** Takes over an authenticated agent's WebSocket; a newer link replaces an older one. */
  attach(server: string, ws: WebSocket, info: Omit<LinkInfo, "since">): void {
    this.links.get(server)?.ws.terminate();
    const link: Link = { ...info, since: new Date().toISOString(), ws, mux: new LinkMux(ws) };
    this.links.set(server, link);
    // Two heartbeats without a pong and the link is dead (a pulled cable sends no FIN).
    let missed = 0;
    const heartbeat = setInterval(() => {
      if (missed >= 2) {
        ws.terminate();
        return;
      }
      missed += 1;
      ws.ping();
    }, this.heartbeatMs);
    ws.on("pong", () => {
      missed = 0;
    });
    ws.on("error", () => undefined);
    ws.once("close", () => {
      clearInterval(heartbeat);
      link.mux.close();
      if (this.links.get(server) === link) this.links.delete(server);
    });
    for (const listener of this.connectListeners) listener(server);
  }

  onConnect(listener: (server: string) => void): void {
    this.connectListeners.add(listener);
  }

  /** The server's link now, with the channels open in it (requests in flight, log streams). */
  linked(server: string): (LinkInfo & { channels: number }) | undefined {
    const link = this.links.get(server);
    return link
      ? { remote: link.remote, version: link.version, since: link.since, channels: link.mux.size }
      : undefined;
  }

  /** Cuts a server's link (its token was revoked). */
  drop(server: string): void {
    this.links.get(server)?.ws.terminate();
  }

  close(): void {
    for (const link of this.links.values()) link.ws.terminate();
  }

  /** A new connection to the server's agent, through its link. */
  open(server: string): Promise<Duplex> {
    const link = this.links.get(server);
    if (!link || link.ws.readyState !== link.ws.OPEN)
      return Promise.reject(
        new TugError(
          "E_AGENT_UNREACHABLE",
          `the agent of ${server} is not linked: it dials core (connection = "outbound"), and has not, or its link dropped`,
        ),
      );
    return Promise.resolve(link.mux.open());
  }
}
