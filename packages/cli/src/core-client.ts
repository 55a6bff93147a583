// The CLI's client for a running core: where it is and the token to use
// (--core / TUG_CORE_URL, TUG_TOKEN, or what `tug login` saved).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createParser } from "eventsource-parser";
import { UsageError } from "./usage-error.js";

export const CREDENTIALS_FILE = join(
  process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"),
  "tugboat",
  "credentials.json",
);

/** How long one request may take: `tug sync run` waits for the deploys it starts. */
const REQUEST_SECONDS = Number(process.env.TUG_TIMEOUT_SECONDS) || 600;
/** Core sends a keep-alive comment every 15 s; this long without a byte means it is gone. */
const STREAM_IDLE_MS = (Number(process.env.TUG_STREAM_IDLE_SECONDS) || 60) * 1000;

interface Saved {
  core: string;
  token: string;
}

async function saved(): Promise<Saved | undefined> {
  const text = await readFile(CREDENTIALS_FILE, "utf8").catch(() => undefined);
  return text ? (JSON.parse(text) as Saved) : undefined;
}

export async function saveCredentials(credentials: Saved): Promise<void> {
  await mkdir(dirname(CREDENTIALS_FILE), { recursive: true, mode: 0o700 });
  await writeFile(CREDENTIALS_FILE, JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

/** An error core answered with; its code decides tug's exit code. */
export class RemoteError extends Error {
  override readonly name = "RemoteError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${message} (${code})`);
  }
}

function explain(error: unknown): string {
  const err = error as Error;
  return err.name === "TimeoutError" ? `no answer within ${REQUEST_SECONDS} s (TUG_TIMEOUT_SECONDS)` : err.message;
}

export class CoreClient {
  constructor(
    readonly core: string,
    private readonly token: string,
  ) {}

  static async from(options: { core?: string }): Promise<CoreClient> {
    const stored = await saved();
    const core = options.core || process.env.TUG_CORE_URL || stored?.core;
    if (!core) throw new UsageError("which core? pass --core URL, set TUG_CORE_URL, or run tug login");
    const token = process.env.TUG_TOKEN || (stored?.core === core.replace(/\/$/, "") ? stored.token : undefined);
    if (!token) throw new UsageError(`no token for ${core}: run tug login --core ${core}, or set TUG_TOKEN`);
    return new CoreClient(core.replace(/\/$/, ""), token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.core}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_SECONDS * 1000),
      });
    } catch (error) {
      throw new UsageError(`cannot reach core at ${this.core}: ${explain(error)}`);
    }
    const json = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
    if (!res.ok)
      throw new RemoteError(json.error?.code ?? `HTTP_${res.status}`, json.error?.message ?? `HTTP ${res.status}`);
    return json;
  }

  /** Reads a server-sent event stream until it ends (or `signal` aborts): each event's name and parsed data. */
  async events(path: string, onEvent: (name: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
    // A stream has no deadline, but a silent one is given up.
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), STREAM_IDLE_MS);
    const stillThere = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), STREAM_IDLE_MS);
    };
    try {
      await this.readEvents(path, onEvent, signal ? AbortSignal.any([signal, idle.signal]) : idle.signal, stillThere);
    } catch (error) {
      if (idle.signal.aborted && !signal?.aborted)
        throw new UsageError(`core at ${this.core} sent nothing for ${STREAM_IDLE_MS / 1000} s; giving up`);
      if (!signal?.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async readEvents(
    path: string,
    onEvent: (name: string, data: unknown) => void,
    signal: AbortSignal,
    onBytes: () => void,
  ): Promise<void> {
    const res = await fetch(`${this.core}${path}`, { headers: { authorization: `Bearer ${this.token}` }, signal });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      throw new RemoteError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? `HTTP ${res.status}`);
    }
    const parser = createParser({
      onEvent: (message) => onEvent(message.event ?? "message", JSON.parse(message.data)),
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      onBytes();
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
  }

  /** Server-sent events of an update, until it ends; returns its final status. */
  async follow(
    updateId: string,
    onEvent: (event: { type?: string; step?: string; line?: string; ok?: boolean }) => void,
  ): Promise<string> {
    let status = "unknown";
    await this.events(`/api/updates/${encodeURIComponent(updateId)}/events`, (name, data) => {
      const parsed = data as { status?: string; type?: string; step?: string; line?: string; ok?: boolean };
      if (name === "end") status = parsed.status ?? status;
      else onEvent(parsed);
    });
    return status;
  }
}
