// Talks to core's API with the session token; errors keep core's code and message.
import { createParser } from "eventsource-parser";

const TOKEN_KEY = "tugboat.token";

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const tokenStore = {
  get: () => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

/** Called when core says the session is gone (401), so the app shows the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const token = tokenStore.get();
  const res = await fetch(path, {
    method: init.method ?? "GET",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = (body as { error?: { code: string; message: string } } | undefined)?.error;
    if (res.status === 401 && token) onUnauthorized();
    throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText);
  }
  return body as T;
}

/**
 * Reads a server-sent event stream with the session token (EventSource cannot
 * send headers). Resolves when the stream ends or `signal` aborts.
 */
export async function streamEvents(
  path: string,
  onEvent: (event: { event: string; data: unknown }) => void,
  signal: AbortSignal,
): Promise<void> {
  const token = tokenStore.get();
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, `HTTP_${res.status}`, `cannot stream ${path}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = createParser({
    onEvent: (message) => onEvent({ event: message.event ?? "message", data: JSON.parse(message.data) }),
  });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
