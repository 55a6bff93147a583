// Runs uptime checks on this host, as core asks: an HTTP(S) GET or a TCP
// connect, each with a deadline. Only the host's own addresses (loopback,
// its interfaces) and its running containers' addresses may be targets: the
// fleet repository is untrusted, and a check must not make every agent probe
// the LAN or a cloud metadata service. Redirects are not followed.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { CheckResult, ChecksRequestParsed, CheckSpecParsed as Spec } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";

const BODY_LIMIT = 64 * 1024;

/** Addresses a check may reach: loopback, this host's interfaces, its running containers. */
export async function allowedAddresses(engine: DockerEngine): Promise<Set<string>> {
  const allowed = new Set(["::1"]);
  for (const list of Object.values(networkInterfaces()))
    for (const address of list ?? []) allowed.add(address.address.replace(/%.*$/, ""));
  const containers = await engine.listContainers().catch(() => []);
  for (const container of containers)
    for (const network of Object.values(container.NetworkSettings?.Networks ?? {})) {
      if (network.IPAddress) allowed.add(network.IPAddress);
      if (network.GlobalIPv6Address) allowed.add(network.GlobalIPv6Address);
    }
  return allowed;
}

function hostAndPort(spec: Spec): { host: string; port: number; url?: URL } {
  if (spec.kind === "http") {
    const url = new URL(spec.target);
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    return { host: url.hostname.replace(/^\[|\]$/g, ""), port, url };
  }
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(spec.target);
  if (!match) throw new Error(`"${spec.target}" is not host:port`);
  return { host: (match[1] ?? "").replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

/** The address to connect to, or why not: an IP literal of this host or its containers, or localhost. */
function resolveTarget(host: string, allowed: ReadonlySet<string>): string {
  if (host === "localhost") return "127.0.0.1";
  if (isIP(host) === 0) throw new Error(`"${host}" is a name; checks target IP addresses only`);
  const loopback = host.startsWith("127.") || host === "::1";
  if (!loopback && !allowed.has(host))
    throw new Error(`${host} is not an address of this host or of one of its containers`);
  return host;
}

function tcpCheck(address: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, timeout: timeoutMs });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once("error", reject);
  });
}

function httpCheck(spec: Spec, url: URL, address: string, port: number): Promise<string> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { host: url.host, "user-agent": "tugboat-check" },
        // Homelab services often use self-signed certificates; a check sends nothing secret.
        rejectUnauthorized: false,
        servername: isIP(url.hostname) === 0 ? url.hostname : undefined,
        signal: AbortSignal.timeout(spec.timeoutMs),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const detail = `${status} ${res.statusMessage ?? ""}`.trim();
        const statusOk = spec.expectStatus === null ? status >= 200 && status < 400 : status === spec.expectStatus;
        if (!statusOk) {
          res.destroy();
          return reject(new Error(`${detail}, expected ${spec.expectStatus ?? "2xx or 3xx"}`));
        }
        if (!spec.expectBody) {
          res.destroy();
          return resolve(detail);
        }
        // Read at most BODY_LIMIT bytes: a streaming or huge body ends the read there.
        let body = "";
        const judge = () => {
          res.destroy();
          if (body.includes(spec.expectBody)) resolve(detail);
          else reject(new Error(`${detail}, but the body does not contain "${spec.expectBody}"`));
        };
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          if (body.includes(spec.expectBody) || body.length >= BODY_LIMIT) judge();
        });
        res.once("end", judge);
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end();
  });
}

export async function runCheck(spec: Spec, allowed: ReadonlySet<string>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const { host, port, url } = hostAndPort(spec);
    const address = resolveTarget(host, allowed);
    const detail = url ? await httpCheck(spec, url, address, port) : await tcpCheck(address, port, spec.timeoutMs);
    return { name: spec.name, ok: true, latencyMs: Math.round(performance.now() - started), detail };
  } catch (error) {
    // The request's deadline aborts it: an AbortError (whose cause is the TimeoutError).
    const timedOut = ["TimeoutError", "AbortError"].includes((error as Error).name);
    const message = timedOut ? `no answer within ${spec.timeoutMs} ms` : (error as Error).message;
    return { name: spec.name, ok: false, latencyMs: Math.round(performance.now() - started), detail: message };
  }
}

export async function runChecks(engine: DockerEngine, request: ChecksRequestParsed): Promise<CheckResult[]> {
  const allowed = await allowedAddresses(engine);
  return Promise.all(request.checks.map((spec) => runCheck(spec, allowed)));
}
