// Git over real smart HTTP on loopback: `git http-backend` behind a small
// CGI bridge, so tests use http:// URLs the way users' forges serve them
// (the repository may not name local paths). Also a listener that accepts
// connections and never answers, for tests of what hangs.
import { spawn } from "node:child_process";
import { symlink } from "node:fs/promises";
import { createServer } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { tempDir } from "./temp-dir.js";

export interface GitHttpServer {
  /** The http:// URL of a bare repository, served under `name`. */
  serve(bareRepository: string, name: string): Promise<string>;
  /** Every request so far, as "METHOD /path?query" (a ref advertisement is a GET of info/refs). */
  requests(): readonly string[];
  close(): Promise<void>;
}

export async function gitHttpServer(): Promise<GitHttpServer> {
  const root = await tempDir("tug-git-http-");
  const seen: string[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://git");
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    // http-backend wants CONTENT_LENGTH; git sends big bodies chunked. Test repositories are small.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const child = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: root.path,
        GIT_HTTP_EXPORT_ALL: "1",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        CONTENT_LENGTH: String(body.length),
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
        REMOTE_ADDR: req.socket.remoteAddress ?? "",
      },
    });
    // http-backend may exit without reading its input (a GET, a refused request): its answer is on stdout.
    child.stdin.on("error", () => {});
    child.stdin.end(body);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on("close", () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
    child.on("error", () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    async serve(bareRepository, name) {
      await symlink(bareRepository, join(root.path, `${name}.git`));
      return `http://127.0.0.1:${port}/${name}.git`;
    },
    requests: () => [...seen],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await root.cleanup();
    },
  };
}

export interface StallingServer {
  /** 127.0.0.1:PORT */
  address: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Accepts TCP connections, reads what arrives and never answers: a peer that hangs. */
export async function stallingServer(): Promise<StallingServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    port,
    connections: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
