// Server-sent events for the API's live routes (better-sse): the reply is
// taken over from fastify, every event is masked, keep-alive comments keep
// proxies from closing an idle stream, and the stream ends when the client
// goes away or core closes.
import { createSession, type Session } from "better-sse";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { SecretMasker } from "../secrets/masker.js";

export interface EventStream {
  send(data: unknown, event?: string, id?: string): void;
  end(): void;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

export async function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  masker: SecretMasker,
): Promise<EventStream> {
  reply.hijack();
  const abort = new AbortController();
  request.raw.on("close", () => abort.abort());
  const session: Session = await createSession(request.raw, reply.raw, {
    keepAlive: 15_000,
    retry: null,
    trustClientEventId: false,
    headers: { "cache-control": "no-store" },
    serializer: (data) =>
      JSON.stringify(data, (_key, value) => (typeof value === "string" ? masker.mask(value) : value)),
  });
  return {
    send(data, event, id) {
      if (session.isConnected) session.push(data, event, id);
    },
    end() {
      if (!reply.raw.writableEnded) reply.raw.end();
    },
    signal: abort.signal,
  };
}
