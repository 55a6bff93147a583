// Image references as Docker reads them: `nginx` is docker.io/library/nginx:latest,
// a first component with a dot, a colon or `localhost` names a registry, and
// `@sha256:…` pins a digest. Shared by core (registry checks) and the agent
// (pulls through the Engine API). Pure.

export interface ImageReference {
  /** The registry host as written, normalised (`docker.io` for Docker Hub). */
  registry: string;
  /** The repository path in that registry (`library/nginx`). */
  repository: string;
  tag: string;
  /** Set when the reference pins a digest: it can never change. */
  digest?: string;
}

/** Docker Hub, as references name it once normalised. */
export const DOCKER_HUB = "docker.io";
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
