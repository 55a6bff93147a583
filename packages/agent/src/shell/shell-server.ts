// Shells in containers, for core: the WebSocket `/stacks/:name/exec?service=`
// runs an Engine API exec with a TTY in the service's running container and
// bridges it. The passkey is checked at the upgrade, as for every route.
// Binary frames are the terminal's bytes; text frames are JSON control
// (`resize`, and `started` first); the socket closes with the exit code.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { DEFAULT_SHELL, ERROR_STATUS, parseShellControl, ShellQuery, TugError } from "@tugboat/protocol";
import type { WebSocket, WebSocketServer } from "ws";
import type { DockerEngine } from "../docker/engine.js";
import { projectContainers } from "../docker/project.js";
import { checkName } from "../safety/names.js";
import { checkRequest } from "../server/auth.js";
import type { StackRecords } from "../stacks/stack-record.js";

const PATH = /^\/stacks\/([^/]+)\/exec$/;
/** Pause the container's output while this much waits to be sent to a slow reader. */
const HIGH_WATER = 1024 * 1024;

export interface ShellServerOptions {
  passkey: string;
  allowedIps: readonly string[];
  engine: DockerEngine;
  records: StackRecords;
  log: (line: string) => void;
}

function refuse(socket: Duplex, error: unknown): void {
  const tug = error instanceof TugError ? error : new TugError("E_INTERNAL", String(error));
  const status = ERROR_STATUS[tug.code] ?? 500;
  const body = JSON.stringify(tug.toBody());
  socket.end(
    `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function attachShellServer(server: Server, options: ShellServerOptions): () => void {
  // Loaded with the first shell: most agents never open one, and memory is the agent's tightest budget.
  let sockets: Promise<WebSocketServer> | undefined;
  const socketServer = () => {
    sockets ??= import("ws").then(
      ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 }),
    );
    return sockets;
  };
  const open = async (req: IncomingMessage) => {
    const url = new URL(req.url ?? "/", "http://agent");
    const match = PATH.exec(url.pathname);
    if (!match) throw new TugError("E_NOT_FOUND", `no WebSocket at ${url.pathname}`);
    checkRequest({
      socket: req.socket,
      passkey: options.passkey,
      allowedIps: options.allowedIps,
      remoteAddress: req.socket.remoteAddress,
      authorization: req.headers.authorization,
    });
    const stack = decodeURIComponent(match[1] ?? "");
    checkName("stack", stack);
    const query = ShellQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success)
      throw new TugError("E_INVALID_REQUEST", `invalid shell request: ${query.error.issues[0]?.message}`);
    const { service } = query.data;
    checkName("service", service);
    const record = await options.records.require(stack);
    const container = (await projectContainers(options.engine, record.project)).find(
      (c) => c.service === service && c.state === "running",
    );
    if (!container) throw new TugError("E_NOT_FOUND", `${stack} has no running container of service ${service}`);
    const exec = await options.engine.createExec(container.id, query.data.command ?? DEFAULT_SHELL);
    return { container, exec, stream: await options.engine.startExec(exec) };
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    Promise.all([open(req), socketServer()]).then(
      ([shell, wss]) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          options.log(`shell in ${shell.container.name} (exec ${shell.exec.slice(0, 12)})`);
          bridge(ws, shell.stream, shell.exec, options.engine);
          ws.send(JSON.stringify({ type: "started", container: shell.container.name, id: shell.container.id }));
        }),
      (error: unknown) => refuse(socket, error),
    );
  };
  server.on("upgrade", onUpgrade);
  return () => {
    server.off("upgrade", onUpgrade);
    sockets
      ?.then((wss) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
      })
      .catch(() => undefined);
  };
}

function bridge(ws: WebSocket, stream: Duplex, exec: string, engine: DockerEngine): void {
  const resumeWhenDrained = () => {
    if (ws.bufferedAmount < HIGH_WATER / 2) stream.resume();
    else setTimeout(resumeWhenDrained, 50).unref();
  };
  stream.on("data", (chunk: Buffer) => {
    ws.send(chunk, { binary: true });
    if (ws.bufferedAmount > HIGH_WATER) {
      stream.pause();
      resumeWhenDrained();
    }
  });
  // Input and resizes take effect in the order they came: keys typed right after a
  // resize must see the new size (`stty size` read 0 0 when the resize landed later).
  let inOrder = Promise.resolve();
  ws.on("message", (data, binary) => {
    if (binary) {
      inOrder = inOrder
        .then(() => {
          stream.write(data as Buffer);
        })
        .catch(() => undefined);
      return;
    }
    const control = parseShellControl(String(data));
    if (control?.type === "resize") {
      const size = control;
      inOrder = inOrder.then(() => engine.resizeExec(exec, size).catch(() => undefined));
    }
  });
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    engine.inspectExec(exec).then(
      (state) => ws.close(1000, JSON.stringify({ exitCode: state.ExitCode })),
      () => ws.close(1000, JSON.stringify({ exitCode: null })),
    );
  };
  stream.on("end", finish);
  stream.on("close", finish);
  stream.on("error", finish);
  // The caller went away: end the shell's input, which ends an interactive shell.
  ws.on("close", () => stream.destroy());
}
