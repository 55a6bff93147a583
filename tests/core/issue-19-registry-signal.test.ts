// Issue 19, the soak's leak: a request must leave nothing on core's lifelong
// signal once it ends. AbortSignal.any kept an entry per request on it
// (nodejs/node#55351); image checks ask a registry through the same pattern.
import { getEventListeners } from "node:events";
import { startRegistry, type TestRegistry } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseImageReference } from "../../packages/core/src/images/reference.js";
import { RegistryClient } from "../../packages/core/src/images/registry-client.js";

/** What AbortSignal.any keeps on a source signal, per composite made from it. */
function dependants(signal: AbortSignal): number {
  const symbol = Object.getOwnPropertySymbols(signal).find((s) => String(s) === "Symbol(kDependantSignals)");
  return symbol ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[symbol]?.size ?? 0) : 0;
}

describe("a registry request and core's lifelong signal (issue 19)", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
    await registry.push("leak/check", "1");
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("leaves nothing on the signal once its requests end", async () => {
    const lifelong = new AbortController();
    const client = new RegistryClient({ credentials: async () => undefined });
    const ref = parseImageReference(`${registry.host}/leak/check:1`);
    if (!ref) throw new Error("the reference does not parse");
    for (let i = 0; i < 10; i += 1) expect((await client.head(ref, lifelong.signal)).digest).toMatch(/^sha256:/);
    expect(dependants(lifelong.signal)).toBe(0);
    expect(getEventListeners(lifelong.signal, "abort")).toHaveLength(0);
  });
});
