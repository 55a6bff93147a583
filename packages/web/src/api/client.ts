// Talks to core's API with the session cookie (HttpOnly: this code never sees
// the session token) and sends the CSRF token core set in a readable cookie on
// every request that changes something; errors keep core's code and message.
import { createParser } from "eventsource-parser";

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The CSRF token core set with the session; none when logged out. */
export function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)tug_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** Called when core says the session a request went under is gone (401), so the app shows the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? "GET";
  // The CSRF cookie names the session (an HMAC of its token): which one this request went under.
  const sentUnder = csrfToken();
  const csrf = method === "GET" ? undefined : sentUnder;
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {
      ...(csrf ? { "x-csrf-token": csrf } : {}),
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = (body as { error?: { code: string; message: string } } | undefined)?.error;
    // A 401 to a request sent under another session, or before a login that has since finished,
    // says nothing of the session the browser holds now.
    if (res.status === 401 && error?.code !== "E_TOTP_REQUIRED" && csrfToken() === sentUnder) onUnauthorized();
    throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText);
  }
  return body as T;
}

/** Reads a server-sent event stream with the session cookie. Resolves when the stream ends or `signal` aborts. */
export async function streamEvents(
  path: string,
  onEvent: (event: { event: string; data: unknown }) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(path, { credentials: "same-origin", signal });
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
