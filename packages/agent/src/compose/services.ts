// The services a compose project declares, and the images they pull, read
// from its files directly: each `docker-compose` call costs a Python start-up
// (~0.35 s, and ~0.7 s for a pull that finds nothing new) on every deploy.
// Whatever these readers cannot be sure of (`include`, `extends`, a `${VAR}`
// they cannot resolve as Compose would, a build) is left to Compose: they
// answer undefined.
import { readFile } from "node:fs/promises";
import { load } from "js-yaml";
import { interpolate, type Lookup } from "./interpolate.js";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

type ServiceDefinitions = Map<string, Record<string, unknown>>;

/** Each service's keys, later files overriding earlier ones key by key; undefined when Compose must be asked. */
async function readServices(files: readonly string[]): Promise<ServiceDefinitions | undefined> {
  const services: ServiceDefinitions = new Map();
  for (const file of files) {
    let doc: unknown;
    try {
      doc = load(await readFile(file, "utf8"));
    } catch {
      return undefined;
    }
    if (!isObject(doc) || doc.include !== undefined) return undefined;
    for (const [name, definition] of Object.entries(isObject(doc.services) ? doc.services : {})) {
      if (!isObject(definition)) continue;
      if (isObject(definition.extends) && definition.extends.file !== undefined) return undefined;
      services.set(name, { ...services.get(name), ...definition });
    }
  }
  return services;
}

const withoutProfile = (definition: Record<string, unknown>) =>
  !Array.isArray(definition.profiles) || definition.profiles.length === 0;

/** Declared services without a profile, or undefined when Compose must be asked. */
export async function declaredServices(files: readonly string[]): Promise<string[] | undefined> {
  const services = await readServices(files);
  if (!services) return undefined;
  return [...services].filter(([, definition]) => withoutProfile(definition)).map(([name]) => name);
}

/** Keys that change what or how `docker-compose pull` pulls: those services are left to Compose. */
const PULLED_BY_COMPOSE = ["build", "extends", "platform", "pull_policy"];

/**
 * The distinct images `docker-compose pull` would pull for `wanted` (every
 * service without a profile when none is named), variables resolved through
 * `lookup`; or undefined when Compose must pull: a file it alone can read, a
 * service it builds or extends, a variable `lookup` cannot resolve.
 */
export async function declaredImages(
  files: readonly string[],
  wanted: readonly string[],
  lookup: Lookup | undefined,
): Promise<string[] | undefined> {
  const services = await readServices(files);
  if (!services) return undefined;
  const names = wanted.length > 0 ? wanted : [...services].filter(([, d]) => withoutProfile(d)).map(([n]) => n);
  const images = new Set<string>();
  for (const name of names) {
    const definition = services.get(name);
    if (!definition || PULLED_BY_COMPOSE.some((key) => definition[key] !== undefined)) return undefined;
    const written = definition.image;
    if (typeof written !== "string") return undefined;
    const image = written.includes("$") && lookup ? interpolate(written, lookup) : written;
    if (image === undefined || image.includes("$")) return undefined;
    images.add(image);
  }
  return [...images];
}
