// Image references as core uses them: their keys, how they are shown, and
// the registry URL to check them at. The parser is shared with the agent. Pure.
import { DOCKER_HUB, type ImageReference, parseImageReference } from "@tugboat/protocol";

export { type ImageReference, parseImageReference };

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
