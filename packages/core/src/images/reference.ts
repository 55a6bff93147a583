// Image references as Docker reads them: `nginx` is docker.io/library/nginx:latest,
// a first component with a dot, a colon or `localhost` names a registry, and
// `@sha256:…` pins a digest. Pure.

export interface ImageReference {
  /** The registry host as written, normalised (`docker.io` for Docker Hub). */
  registry: string;
  /** The repository path in that registry (`library/nginx`). */
  repository: string;
  tag: string;
  /** Set when the reference pins a digest: it can never change. */
  digest?: string;
}

const DOCKER_HUB = "docker.io";
const REFERENCE =
  /^(?:(?<name>[a-z0-9][a-z0-9._\-/:]*?)(?::(?<tag>[\w][\w.-]{0,127}))?)(?:@(?<digest>sha256:[0-9a-f]{64}))?$/i;

/** The reference, or undefined when it is not one a registry could hold (an unresolved `${VAR}`, spaces, …). */
export function parseImageReference(text: string): ImageReference | undefined {
  const match = REFERENCE.exec(text.trim());
  const name = match?.groups?.name;
  if (!name || name.endsWith("/") || name.includes("//")) return undefined;
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  let registry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasRegistry ? name.slice(slash + 1) : name;
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (repository !== repository.toLowerCase() || repository.includes(":")) return undefined;
  const digest = match?.groups?.digest;
  return {
    registry,
    repository,
    tag: match?.groups?.tag ?? "latest",
    ...(digest ? { digest: digest.toLowerCase() } : {}),
  };
}

/** `registry/repository:tag`: one registry check per key, whatever the spelling in compose files. */
export function imageKey(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}:${ref.tag}`;
}

/** The reference as Docker would name it in an alert or a compose file. */
export function displayReference(ref: ImageReference): string {
  const repository =
    ref.registry === DOCKER_HUB && ref.repository.startsWith("library/") ? ref.repository.slice(8) : ref.repository;
  return `${ref.registry === DOCKER_HUB ? "" : `${ref.registry}/`}${repository}:${ref.tag}`;
}

/** The digests among Docker's `RepoDigests` (`registry/repo@sha256:…`) that belong to `image`'s repository. */
export function digestsOf(repoDigests: readonly string[], image: string): string[] {
  const ref = parseImageReference(image);
  if (!ref) return [];
  const digests: string[] = [];
  for (const entry of repoDigests) {
    const at = entry.indexOf("@");
    const other = parseImageReference(entry.slice(0, at));
    if (at > 0 && other?.registry === ref.registry && other.repository === ref.repository)
      digests.push(entry.slice(at + 1));
  }
  return digests;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

/** The registry's base URL: Docker Hub's API host; plain HTTP only for loopback and the hosts listed as insecure. */
export function registryBaseUrl(registry: string, insecure: readonly string[] = []): string {
  if (registry === DOCKER_HUB) return "https://registry-1.docker.io";
  const plain = LOOPBACK.test(registry) || insecure.includes(registry);
  return `${plain ? "http" : "https"}://${registry}`;
}

export function isLoopbackRegistry(registry: string): boolean {
  return LOOPBACK.test(registry);
}
