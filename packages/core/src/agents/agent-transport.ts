// How core reaches an agent. Inbound: HTTPS with a self-signed certificate,
// trust from its fingerprint, and no credential or body sent to an agent that
// has not proved it holds the trusted certificate. Outbound: the same requests
// through the link the agent opened (authenticated when it opened), one
// channel each; nothing above this file knows which. Every call has a
// deadline: the connection, a whole short request, and the silence allowed
// inside a long stream (the agent sends a keep-alive line every few seconds).
import { type ClientRequest, request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { createInterface } from "node:readline";
import type { Duplex } from "node:stream";
import { createSecureContext, type TLSSocket } from "node:tls";
import { ERROR_STATUS, type ErrorCode, TugError } from "@tugboat/protocol";
import { linkedSignal } from "../process/linked-signal.js";
import { type LoopDeadline, loopDeadline } from "../process/loop-deadline.js";
import { checkTrust, type TrustPolicy } from "./agent-trust.js";
import { openingTurn } from "./opening-turns.js";

interface ClientCommon {
  server: string;
  /** Deadline of the connection and TLS handshake. */
  timeoutSeconds: number;
  /** Aborts every call of this client (core is stopping). */
  signal?: AbortSignal;
  /** The container core runs in: the agent leaves it alone. */
  coreContainer?: string;
}

/** An outbound agent's link: each call is a new connection through it. */
export interface LinkTransport {
  open(): Promise<Duplex>;
}

export type AgentClientOptions = ClientCommon &
  ({ address: string; passkey: string; trust: TrustPolicy; link?: undefined } | { link: LinkTransport });

/** A short request (health, stats, status) gets this long in all. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A stream (deploy, logs) may be silent this long; the agent writes a keep-alive line every 10 s. */
const STREAM_IDLE_TIMEOUT_MS = 60_000;
/** Replies larger than this are cut off: a confused or hostile peer cannot fill core's memory. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;
const MAX_STREAM_BYTES = 256 * 1024 * 1024;

// One TLS context for every connection to an agent (no client certificate, no CA: trust is the
// fingerprint): made per connection, it was the costliest part of opening one.
export const secureContext = createSecureContext({});
// Streams (deploys, logs) get a connection each, with no TLS session reuse.
const tlsAgent = new Agent({ keepAlive: false, maxCachedSessions: 0, secureContext });
// Short requests (status, stats, health, checks) ride a kept-alive connection per agent: a
// status round of a host is a dozen requests, and a TLS handshake each cost core more than
// the rest of the round (bench/reconcile.ts). The certificate a connection showed is checked
// against the trusted fingerprint again on every request; the connection is closed before
// the agent's own keep-alive timeout, which its replies announce. No bound on connections per
// agent (a request never queues behind another's connection), at most 4 idle ones kept per
// agent, and a bound on connections being opened at once across all agents (opening-turns.ts).
const keptAlive = new Agent({ keepAlive: true, maxFreeSockets: 4, maxCachedSessions: 0, secureContext });
/** The certificate each connection showed (a connection cannot change it): read once, it is costly to read. */
const peerFingerprints = new WeakMap<TLSSocket, string>();

interface CallOptions {
  body?: unknown;
  /** A raw body (an agent build) with its own headers, instead of JSON. */
  bytes?: { data: Buffer; headers: Record<string, string> };
  /** Read the reply as NDJSON lines as they arrive. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** For /health: allowed before the certificate is trusted, without credentials. */
  beforeTrust?: boolean;
  /** A long-poll: the agent may hold the reply this long, on top of the request's own deadline. */
  waitMs?: number;
}

/** How messages name the agent. */
export function agentName(options: AgentClientOptions): string {
  return options.link ? `the agent of ${options.server} (outbound link)` : `agent at ${options.address}`;
}

export function agentError(code: ErrorCode, message: string, cause?: unknown): TugError {
  return new TugError(code, message, cause === undefined ? undefined : { cause });
}

/** One request; with `onLine`, the reply is read as NDJSON lines as they arrive. */
export function callAgent(
  options: AgentClientOptions,
  method: string,
  path: string,
  call: CallOptions = {},
): Promise<string> {
  // Not AbortSignal.any: both sources live as long as core does (linked-signal.ts).
  const { signal, release } = linkedSignal([call.signal, options.signal]);
  // A link's channel opens no connection of core's; an inbound agent's request waits for a turn.
  const turn = options.link ? Promise.resolve(() => {}) : openingTurn(signal);
  return turn.then((endTurn) => send(options, method, path, call, signal, release, endTurn));
}

/** `call` once it may open its connection: `endTurn` once it is open and trusted (or failed). */
function send(
  options: AgentClientOptions,
  method: string,
  path: string,
  call: CallOptions,
  signal: AbortSignal,
  release: () => void,
  endTurn: () => void,
): Promise<string> {
  const { server, timeoutSeconds } = options;
  const where = agentName(options);
  return new Promise((resolve, reject) => {
    const payload = call.bytes ? call.bytes.data : call.body === undefined ? undefined : JSON.stringify(call.body);
    let settled = false;
    // Every timer of this call, cleared when it settles: none may keep a stopping core alive.
    const timers = new Set<NodeJS.Timeout>();
    let connectDeadline: LoopDeadline | undefined;
    const settle = () => {
      settled = true;
      endTurn();
      release();
      connectDeadline?.clear();
      for (const timer of timers) clearTimeout(timer);
    };
    const fail = (error: TugError) => {
      if (settled) return;
      settle();
      req.destroy();
      reject(error);
    };
    const succeed = (text: string) => {
      if (settled) return;
      settle();
      resolve(text);
    };
    const headers = call.bytes
      ? { ...call.bytes.headers, "content-length": call.bytes.data.length }
      : payload === undefined
        ? {}
        : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) };
    const link = options.link;
    let req: ClientRequest;
    try {
      req = link
        ? httpRequest(`http://agent.link${path}`, {
            method,
            headers,
            // A new stream of the link for each call, as a new connection for each inbound one.
            createConnection: ((_options: unknown, done: (error: Error | null, socket?: Duplex) => void) => {
              link.open().then(
                (stream) => done(null, stream),
                (error: Error) => done(error),
              );
              return undefined;
            }) as never,
          })
        : request(`${options.address.replace(/\/$/, "")}${path}`, {
            method,
            agent: call.onLine || call.bytes ? tlsAgent : keptAlive,
            rejectUnauthorized: false, // self-signed: trust comes from the fingerprint
            headers,
          });
    } catch (error) {
      const address = options.link ? "" : options.address;
      endTurn();
      release();
      reject(agentError("E_AGENT_UNREACHABLE", `agent address ${address} of ${server} is not a valid URL`, error));
      return;
    }
    const onAbort = () =>
      fail(
        options.signal?.aborted
          ? agentError("E_AGENT_UNREACHABLE", `core is stopping; ${method} ${path} on ${server} was cut off`)
          : call.signal?.aborted
            ? agentError("E_AGENT_UNREACHABLE", `${method} ${path} on ${server} was cancelled`)
            : agentError(
                "E_AGENT_UNREACHABLE",
                `${where} did not finish ${method} ${path} within ${(REQUEST_TIMEOUT_MS + (call.waitMs ?? 0)) / 1000} s`,
              ),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    // A short request has a deadline of its own; a stream only an idle one (below).
    if (!call.onLine) timers.add(setTimeout(onAbort, REQUEST_TIMEOUT_MS + (call.waitMs ?? 0)));
    // Not counting time core itself was busy (loop-deadline.ts).
    connectDeadline = loopDeadline(timeoutSeconds * 1000, () =>
      fail(
        agentError(
          "E_AGENT_UNREACHABLE",
          `${where} did not answer within ${timeoutSeconds} s; is tug agent running on ${server}?`,
        ),
      ),
    );
    const connected = () => {
      connectDeadline?.clear();
      endTurn();
    };
    // The link was authenticated both ways when the agent opened it: no passkey, no certificate to check.
    if (options.link) {
      req.on("socket", connected);
      if (options.coreContainer) req.setHeader("x-tugboat-core-container", options.coreContainer);
      req.end(payload);
    } else
      req.on("socket", (socket) => {
        const tls = socket as TLSSocket;
        const known = peerFingerprints.get(tls);
        const onConnected = (check: (fingerprint: string) => void) =>
          // A kept-alive connection has shown its certificate already: checked again, for this request.
          known !== undefined
            ? check(known)
            : tls.once("secureConnect", () => {
                const fingerprint = tls.getPeerCertificate().fingerprint256;
                peerFingerprints.set(tls, fingerprint);
                check(fingerprint);
              });
        onConnected((fingerprint) => {
          checkTrust(options, fingerprint, call.beforeTrust ?? false).then(
            (trusted) => {
              connected();
              if (settled) return;
              // Credentials only to the trusted certificate; /health before trust goes without.
              if (trusted) {
                req.setHeader("authorization", `Bearer ${options.passkey}`);
                // When core runs in a container on this host, the agent never stops, recreates or removes it.
                if (options.coreContainer) req.setHeader("x-tugboat-core-container", options.coreContainer);
              }
              req.end(payload);
            },
            (error: unknown) => {
              connected();
              fail(error instanceof TugError ? error : agentError("E_INTERNAL", String(error)));
            },
          );
        });
      });
    req.on("error", (error) => {
      connected();
      // The link's own errors (not linked, stream refused) already say what happened.
      if (error instanceof TugError) return fail(error);
      fail(
        agentError(
          "E_AGENT_UNREACHABLE",
          `${where} is unreachable (${(error as NodeJS.ErrnoException).code ?? error.message}); is tug agent running on ${server}?`,
          error,
        ),
      );
    });
    req.on("response", (res) => {
      const streaming = call.onLine !== undefined && res.statusCode === 200;
      const limit = streaming ? MAX_STREAM_BYTES : MAX_REPLY_BYTES;
      let received = 0;
      let idle: NodeJS.Timeout | undefined;
      const touch = () => {
        if (!streaming || settled) return;
        if (idle) {
          clearTimeout(idle);
          timers.delete(idle);
        }
        idle = setTimeout(
          () =>
            fail(
              agentError(
                "E_AGENT_UNREACHABLE",
                `${where} went silent for ${STREAM_IDLE_TIMEOUT_MS / 1000} s during ${path}; the outcome is unknown`,
              ),
            ),
          STREAM_IDLE_TIMEOUT_MS,
        );
        timers.add(idle);
      };
      touch();
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        touch();
        if (received > limit)
          fail(agentError("E_AGENT_ERROR", `agent on ${server} sent more than ${limit} bytes for ${path}`));
      });
      res.on("error", (error) =>
        fail(
          agentError(
            "E_AGENT_UNREACHABLE",
            `${where} dropped the connection (${(error as NodeJS.ErrnoException).code ?? error.message})`,
            error,
          ),
        ),
      );
      if (streaming) {
        const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
        // readline re-emits the reply's error (the agent died mid-stream); res's own handler reports it.
        lines.on("error", () => undefined);
        lines.on("line", (line) => {
          if (!line || settled) return; // empty lines are the agent's keep-alives
          try {
            call.onLine?.(line);
          } catch (error) {
            fail(
              agentError(
                "E_AGENT_ERROR",
                `agent on ${server} sent a malformed line during ${path}: ${(error as Error).message}`,
              ),
            );
          }
        });
        lines.on("close", () => {
          clearTimeout(idle);
          succeed("");
        });
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status < 400) return succeed(text);
        fail(replyError(options, status, text));
      });
    });
  });
}

/** The agent's error as core reports it: its code kept where core knows it. */
export function replyError(options: AgentClientOptions, status: number, text: string): TugError {
  const { server } = options;
  const where = agentName(options);
  let detail: { code?: string; message?: string } | undefined;
  try {
    detail = (JSON.parse(text) as { error?: { code: string; message: string } }).error;
  } catch {
    detail = undefined;
  }
  const message = `agent on ${server}: ${detail?.message ?? `HTTP ${status}`}`;
  if (status === 401)
    return agentError("E_AGENT_UNAUTHORIZED", `${where} refused the passkey; check the passkey of ${server}`);
  if (status === 403) return agentError("E_AGENT_UNAUTHORIZED", message);
  const code = detail?.code;
  if (code && code in ERROR_STATUS && code !== "E_UNAUTHORIZED" && code !== "E_FORBIDDEN")
    return agentError(code as ErrorCode, message);
  return agentError("E_AGENT_ERROR", message);
}
