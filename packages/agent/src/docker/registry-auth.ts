// The registry login a pull through the Engine API sends, read from the
// Docker client config Compose would read (`$DOCKER_CONFIG/config.json`, else
// `~/.docker/config.json`): the same host's login, so a pull by the agent is
// allowed exactly what `docker-compose pull` was. Logins kept by a credential
// helper (`credsStore`, `credHelpers`) need the helper run: those pulls are
// left to Compose, as is a config that cannot be read.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { DOCKER_HUB } from "@tugboat/protocol";

/** An `X-Registry-Auth` header, none (pull anonymously), or the pull is Compose's to do. */
export type PullAuth = { header: string } | { header?: undefined } | "compose";

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ClientConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** A config key as the Docker CLI writes it (`https://index.docker.io/v1/`, `registry:5000`) as a registry host. */
function registryOfKey(key: string): string {
  const host =
    key
      .replace(/^https?:\/\//, "")
      .split("/")[0]
      ?.toLowerCase() ?? "";
  return host === "index.docker.io" || host === "registry-1.docker.io" ? DOCKER_HUB : host;
}

/** The client config Compose reads, or undefined when there is none. */
export async function readClientConfig(env: NodeJS.ProcessEnv): Promise<ClientConfig | "compose" | undefined> {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
  let text: string;
  try {
    text = await readFile(join(dir, "config.json"), "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? undefined : "compose";
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as ClientConfig) : "compose";
  } catch {
    return "compose";
  }
}

/** What a pull from `registry` sends, given the client config read once for the deploy. */
export function pullAuth(config: ClientConfig | "compose" | undefined, registry: string): PullAuth {
  if (config === "compose") return "compose";
  if (!config) return {};
  if (config.credsStore || Object.keys(config.credHelpers ?? {}).some((key) => registryOfKey(key) === registry))
    return "compose";
  const entry = Object.entries(config.auths ?? {}).find(([key]) => registryOfKey(key) === registry)?.[1];
  if (!entry) return {};
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return "compose";
    [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  }
  if (!entry.identitytoken && (username === undefined || password === undefined)) return {};
  const login = {
    ...(entry.identitytoken ? { identitytoken: entry.identitytoken } : { username, password }),
    serveraddress: registry,
  };
  return { header: Buffer.from(JSON.stringify(login)).toString("base64url") };
}
