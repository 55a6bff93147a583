// The services a compose project declares, read from its files directly: a
// `docker-compose config --services` costs a Python start-up (~0.35 s) on
// every deploy. Files that pull in others (`include`, `extends` with a file)
// fall back to asking Compose.
import { readFile } from "node:fs/promises";
import { load } from "js-yaml";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Declared services without a profile, or undefined when Compose must be asked. */
export async function declaredServices(files: readonly string[]): Promise<string[] | undefined> {
  const services = new Set<string>();
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
      const profiles = Array.isArray(definition.profiles) ? definition.profiles : [];
      if (profiles.length === 0) services.add(name);
    }
  }
  return [...services];
}
