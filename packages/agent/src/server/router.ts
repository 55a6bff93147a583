// A small router on node:http for the agent's routes. Not fastify (which
// core uses): fastify and its schema compiler cost the agent about 17 MB of
// resident memory, over a quarter of its 60 MB budget.
import type { IncomingMessage, ServerResponse } from "node:http";
import { TugError } from "@tugboat/protocol";

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  remoteAddress: string | undefined;
  raw: IncomingMessage;
  /** The JSON body, parsed on first call; `{}` when empty. */
  body(): Promise<unknown>;
}

export type Handler = (request: Request, response: ServerResponse) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

const BODY_LIMIT = 8 * 1024 * 1024;

export class Router {
  private readonly routes: Route[] = [];
  private readonly hooks: Array<(request: Request) => void> = [];

  /** `path` uses `:name` segments, e.g. `/stacks/:name/deploy`. */
  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-z]+)/g, (_m, name: string) => {
        names.push(name);
        return "([^/]+)";
      })}$`,
    );
    this.routes.push({ method, pattern, names, handler });
    return this;
  }

  /** Runs before every route; throw a TugError to refuse the request. */
  before(hook: (request: Request) => void): this {
    this.hooks.push(hook);
    return this;
  }

  async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? "/", "http://agent");
    try {
      const match = this.match(raw.method ?? "GET", url.pathname);
      const request: Request = {
        method: raw.method ?? "GET",
        path: url.pathname,
        params: match?.params ?? {},
        query: url.searchParams,
        headers: raw.headers,
        remoteAddress: raw.socket.remoteAddress,
        raw,
        body: once(() => readJson(raw)),
      };
      for (const hook of this.hooks) hook(request);
      if (!match) throw new TugError("E_NOT_FOUND", `no route ${request.method} ${url.pathname}`);
      const result = await match.route.handler(request, res);
      if (!res.headersSent && !res.writableEnded) sendJson(res, 200, result);
    } catch (error) {
      if (res.headersSent) {
        res.end();
        return;
      }
      const tug = error instanceof TugError ? error : new TugError("E_INTERNAL", (error as Error).message);
      sendJson(res, tug.status, tug.toBody());
    }
  }

  private match(method: string, path: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      try {
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(found[i + 1] ?? "");
        });
      } catch {
        throw new TugError("E_INVALID_REQUEST", `malformed path ${path}`);
      }
      return { route, params };
    }
    return undefined;
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= fn();
    return pending;
  };
}

async function readJson(raw: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new TugError("E_INVALID_REQUEST", `request body over ${BODY_LIMIT} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TugError("E_INVALID_REQUEST", `request body is not JSON: ${(error as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
