// Which Compose front ends this machine has: the v2 plugin, the standalone v1, or both.
import { run } from "./exec.js";

export interface ComposeVariant {
  name: "docker compose" | "docker-compose";
  argv: readonly string[];
}

const VARIANTS: readonly ComposeVariant[] = [
  { name: "docker compose", argv: ["docker", "compose"] },
  { name: "docker-compose", argv: ["docker-compose"] },
];

export async function composeVariants(): Promise<ComposeVariant[]> {
  const found: ComposeVariant[] = [];
  for (const variant of VARIANTS) {
    const result = await run([...variant.argv, "version"], { allowFailure: true }).catch(() => undefined);
    if (result?.exitCode === 0) found.push(variant);
  }
  return found;
}
