// The OCI distribution API, as far as image checks need it: the digest a tag
// points to (HEAD, which Docker Hub does not count as a pull), a manifest
// list's per-platform digests (GET, once per new digest: they never change),
// and a repository's tags. Anonymous, bearer-token (from the registry's
// WWW-Authenticate challenge) and basic auth; a 429 is honoured through
// Retry-After for every request to that registry, never stormed.
import { setTimeout as delay } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pRetry, { AbortError } from "p-retry";
import { linkedSignal } from "../process/linked-signal.js";
import { type ImageReference, isLoopbackRegistry, registryBaseUrl } from "./reference.js";

export const MANIFEST_TYPES = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;
const ACCEPT = Object.values(MANIFEST_TYPES).join(", ");
const INDEX_TYPES: readonly string[] = [MANIFEST_TYPES.dockerList, MANIFEST_TYPES.ociIndex];

export interface RegistryCredential {
  username: string;
  password: string;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  /** A manifest list / image index: its entries are per platform. */
  index: boolean;
}

export interface RegistryClientOptions {
  /** Credentials by registry host (`ghcr.io`, `127.0.0.1:5000`, `docker.io`). */
  credentials: (registry: string) => Promise<RegistryCredential | undefined>;
  /** Hosts reached over plain HTTP besides loopback. */
  insecure?: readonly string[];
  timeoutMs?: number;
  /** Parallel requests per registry. */
  perRegistry?: number;
  /** The longest Retry-After waited for inside a check; a longer one fails the request (retried next round). */
  maxRetryAfterMs?: number;
  retries?: number;
  /** Every request sent, for counting (benchmarks, tests). */
  onRequest?: (method: string, url: string) => void;
}

/** A registry reply that is not what a check can use, with the reason in operator's words. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

class RateLimited extends Error {
  constructor(readonly waitMs: number) {
    super(`rate limited (429), retry after ${Math.ceil(waitMs / 1000)} s`);
  }
}

const MAX_BODY = 4 * 1024 * 1024;

function retryAfterMs(value: string | null): number {
  if (!value) return 2_000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? 2_000 : Math.max(0, at - Date.now());
}

/** `Bearer realm="…",service="…",scope="…"` → its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/([a-z_]+)="([^"]*)"/gi))
    params[(match[1] ?? "").toLowerCase()] = match[2] ?? "";
  return { scheme, params };
}

async function boundedText(response: Response): Promise<string> {
  const length = Number(response.headers.get("content-length") ?? 0);
  if (length > MAX_BODY) throw new RegistryError(`reply of ${length} bytes is over ${MAX_BODY}`);
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new RegistryError(`reply over ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export class RegistryClient {
  private readonly limits = new Map<string, LimitFunction>();
  /** Per registry: no request before this time (ms), after a 429. */
  private readonly notBefore = new Map<string, number>();
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(private readonly options: RegistryClientOptions) {}

  /** The digest the tag points to now, by HEAD. */
  async head(ref: ImageReference, signal?: AbortSignal): Promise<ManifestHead> {
    const response = await this.request(ref, "HEAD", `manifests/${encodeURIComponent(ref.tag)}`, signal);
    response.body?.cancel().catch(() => undefined);
    const digest = response.headers.get("docker-content-digest");
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (!digest?.startsWith("sha256:"))
      throw new RegistryError(`${ref.registry} sent no Docker-Content-Digest for ${ref.repository}:${ref.tag}`);
    return { digest, mediaType, index: INDEX_TYPES.includes(mediaType) };
  }

  /** A manifest list's entries: `os/arch[/variant]` → that platform's manifest digest. */
  async platforms(ref: ImageReference, digest: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const response = await this.request(ref, "GET", `manifests/${digest}`, signal);
    const body = JSON.parse(await boundedText(response)) as {
      manifests?: Array<{ digest?: string; platform?: { os?: string; architecture?: string; variant?: string } }>;
    };
    const platforms: Record<string, string> = {};
    for (const entry of body.manifests ?? []) {
      const p = entry.platform;
      // Attestation manifests are listed as unknown/unknown.
      if (!entry.digest || !p?.os || !p.architecture || p.os === "unknown") continue;
      const key = [p.os, p.architecture, p.variant].filter(Boolean).join("/");
      platforms[key] ??= entry.digest;
    }
    return platforms;
  }

  /** The repository's tags, following the registry's pagination (at most `maxPages` of 1,000). */
  async tags(ref: ImageReference, signal?: AbortSignal, maxPages = 10): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = "tags/list?n=1000";
    for (let page = 0; path && page < maxPages; page += 1) {
      const response = await this.request(ref, "GET", path, signal);
      const body = JSON.parse(await boundedText(response)) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<[^>]*\/v2\/[^>]*\/(tags\/list\?[^>]*)>/.exec(response.headers.get("link") ?? "")?.[1];
      path = next;
    }
    return tags;
  }

  private limit(registry: string): LimitFunction {
    let limit = this.limits.get(registry);
    if (!limit) {
      limit = pLimit(this.options.perRegistry ?? 4);
      this.limits.set(registry, limit);
    }
    return limit;
  }

  private async request(ref: ImageReference, method: string, path: string, signal?: AbortSignal): Promise<Response> {
    const url = `${registryBaseUrl(ref.registry, this.options.insecure)}/v2/${ref.repository}/${path}`;
    const maxWait = this.options.maxRetryAfterMs ?? 60_000;
    return this.limit(ref.registry)(() =>
      pRetry(
        async () => {
          const wait = (this.notBefore.get(ref.registry) ?? 0) - Date.now();
          if (wait > maxWait) throw new AbortError(new RateLimited(wait));
          // Stopping core cuts the wait short.
          if (wait > 0) await delay(wait, undefined, signal ? { signal } : {});
          return this.send(ref, method, url, signal);
        },
        {
          retries: this.options.retries ?? 3,
          minTimeout: 500,
          factor: 2,
          randomize: true,
          ...(signal ? { signal } : {}),
          shouldRetry: ({ error }) => error instanceof RateLimited && error.waitMs <= maxWait,
          onFailedAttempt: ({ error }) => {
            if (error instanceof RateLimited)
              this.notBefore.set(
                ref.registry,
                Math.max(this.notBefore.get(ref.registry) ?? 0, Date.now() + error.waitMs),
              );
          },
        },
      ),
    );
  }

  /** One request, answering the registry's auth challenge once. */
  private async send(ref: ImageReference, method: string, url: string, signal?: AbortSignal): Promise<Response> {
    const scope = `repository:${ref.repository}:pull`;
    const tokenKey = `${ref.registry}|${scope}`;
    const cached = this.tokens.get(tokenKey);
    let authorization = cached && cached.expires > Date.now() ? `Bearer ${cached.token}` : undefined;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await this.fetch(method, url, authorization, signal);
      if (response.status === 429) {
        response.body?.cancel().catch(() => undefined);
        throw new RateLimited(retryAfterMs(response.headers.get("retry-after")));
      }
      if (response.status !== 401 || attempt === 1) return this.checked(response, ref, method);
      response.body?.cancel().catch(() => undefined);
      const challenge = parseChallenge(response.headers.get("www-authenticate") ?? "");
      const credential = await this.options.credentials(ref.registry);
      if (challenge.scheme === "basic") {
        if (!credential)
          throw new RegistryError(
            `${ref.registry} needs credentials: set them with tug registry login ${ref.registry}`,
            401,
          );
        authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
      } else if (challenge.scheme === "bearer" && challenge.params.realm) {
        const token = await this.token(ref, challenge.params, scope, credential, signal);
        this.tokens.set(tokenKey, token);
        authorization = `Bearer ${token.token}`;
      } else throw new RegistryError(`${ref.registry} answered 401 without a usable challenge`, 401);
    }
    throw new RegistryError(`${ref.registry} refused the request`);
  }

  private async token(
    ref: ImageReference,
    params: Record<string, string>,
    scope: string,
    credential: RegistryCredential | undefined,
    signal?: AbortSignal,
  ): Promise<{ token: string; expires: number }> {
    const realm = new URL(params.realm ?? "");
    // Credentials go to the realm the registry names only over HTTPS (or to loopback).
    const safe = realm.protocol === "https:" || (realm.protocol === "http:" && isLoopbackRegistry(realm.host));
    if (!safe) throw new RegistryError(`${ref.registry} names token service ${realm.origin}: not HTTPS, refused`);
    if (params.service) realm.searchParams.set("service", params.service);
    realm.searchParams.set("scope", params.scope || scope);
    const authorization = credential
      ? `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`
      : undefined;
    const response = await this.fetch("GET", realm.toString(), authorization, signal);
    if (response.status === 429) throw new RateLimited(retryAfterMs(response.headers.get("retry-after")));
    if (!response.ok) {
      response.body?.cancel().catch(() => undefined);
      throw new RegistryError(`token service of ${ref.registry} answered ${response.status}`, response.status);
    }
    const body = JSON.parse(await boundedText(response)) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`token service of ${ref.registry} sent no token`);
    // Registries default to 60 s; renewed a little early.
    return { token, expires: Date.now() + Math.max(10, (body.expires_in ?? 60) - 10) * 1000 };
  }

  private fetch(method: string, url: string, authorization: string | undefined, signal?: AbortSignal) {
    this.options.onRequest?.(method, url);
    // The caller's signal lives as long as core: followed until the reply's head arrives, not given
    // to AbortSignal.any, which would keep an entry on it per request (linked-signal.ts). The
    // deadline still bounds the body.
    const linked = linkedSignal([signal]);
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    return fetch(url, {
      method,
      headers: { accept: ACCEPT, ...(authorization ? { authorization } : {}) },
      signal: AbortSignal.any([linked.signal, timeout]),
      redirect: "follow",
    })
      .catch((error: Error) => {
        const cause = (error.cause as Error | undefined)?.message;
        throw new RegistryError(`cannot reach ${new URL(url).host}: ${cause ?? error.message}`);
      })
      .finally(() => linked.release());
  }

  private checked(response: Response, ref: ImageReference, method: string): Response {
    if (response.ok) return response;
    response.body?.cancel().catch(() => undefined);
    const what = `${ref.repository}:${ref.tag}`;
    if (response.status === 404) throw new RegistryError(`${ref.registry} has no ${what}`, 404);
    if (response.status === 401 || response.status === 403)
      throw new RegistryError(
        `${ref.registry} refused access to ${ref.repository} (${response.status})`,
        response.status,
      );
    throw new RegistryError(`${ref.registry} answered ${response.status} to ${method} for ${what}`, response.status);
  }
}
