// A stub in front of a registry: passes requests through, or answers the next
// ones with 429 and a Retry-After, as Docker Hub does when its limits are hit.
// Logs every request it saw and how it answered.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { RegistryRequest } from "./registry.js";

export interface RegistryProxy {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  /** Every request seen, with its answer, and when (ms). */
  requests: Array<RegistryRequest & { at: number }>;
  /** Answers the next `count` requests with 429 and `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

export async function registryProxy(target: string): Promise<RegistryProxy> {
  const upstream = new URL(target);
  const requests: RegistryProxy["requests"] = [];
  let throttled = 0;
  let retryAfter = 1;
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? "", path: req.url ?? "", status: 0, at: Date.now() };
    requests.push(entry);
    if (throttled > 0) {
      throttled -= 1;
      entry.status = 429;
      res.writeHead(429, { "retry-after": String(retryAfter), "content-type": "application/json" });
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      entry.status = 502;
      res.writeHead(502).end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    throttle(count, seconds) {
      throttled = count;
      retryAfter = seconds;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
