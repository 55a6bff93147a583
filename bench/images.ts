// bench/images.ts: an image check round over a fleet, against a real registry
// (Debian's docker-registry on loopback). 50 agents simulated at the protocol
// level, 500 stacks of two services with poll_for_updates, their 1,000
// containers running 60 unique images. Side by side, alternating: core's
// round (one HEAD per unique tag) and the naive way (what one checker per
// host does: one HEAD per container, after the same status calls). Measured:
// manifest requests the registry served (its own access log) and wall time.

import { startRegistry } from "@tugboat/testkit";
import pLimit from "p-limit";
import { runningImages } from "../packages/core/src/images/compare.js";
import { parseImageReference } from "../packages/core/src/images/reference.js";
import { RegistryClient } from "../packages/core/src/images/registry-client.js";
import { type BenchResult, median, writeResult } from "./result.js";
import { cpuOf, simulatedFleet } from "./simulated-fleet.js";

const SERVERS = 50;
const STACKS_PER_SERVER = 10;
const IMAGES = 60;
const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);
const COMPOSE = `services:
  app:
    image: registry.example/app:1
  db:
    image: registry.example/db:1
`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function benchImages(): Promise<BenchResult> {
  const registry = await startRegistry();
  try {
    const pushed = [];
    for (let i = 0; i < IMAGES; i++) {
      const image = `${registry.host}/bench/img-${i}:1.${i}.0`;
      pushed.push({
        image,
        digest: (await registry.push(`bench/img-${i}`, `1.${i}.0`, { labels: { i: String(i) } })).digest,
      });
    }
    const fleet = await simulatedFleet({
      servers: SERVERS,
      stacksPerServer: STACKS_PER_SERVER,
      compose: COMPOSE,
      stackConfig: "poll_for_updates = true\n",
      agentEnv: { BENCH_FAKE_IMAGES: JSON.stringify(pushed) },
    });
    const { core } = fleet;
    try {
      const manifestRequests = async (work: () => Promise<unknown>) => {
        const before = registry.requests().length;
        const wall = await timed(work);
        await registry.quiet();
        const served = registry
          .requests()
          .slice(before)
          .filter((r) => r.path.includes("/manifests/")).length;
        return { wall, served };
      };
      const round = () => core.context.images.watch.check({ trigger: { trigger: "poll", actor: "bench" } });
      const naiveClient = new RegistryClient({ credentials: async () => undefined });
      const naive = async () => {
        const limit = pLimit(16);
        const stacks = await core.context.stacks.list();
        await Promise.all(
          stacks.map((stack) =>
            limit(async () => {
              const client = await core.context.agents.client(stack.server);
              const status = await client?.status(stack.name, stack.project);
              for (const running of runningImages(status?.containers ?? [])) {
                const ref = parseImageReference(running.image);
                if (ref) await naiveClient.head(ref);
              }
            }),
          ),
        );
      };
      // Warm-up: connections, the first rows written.
      await round();
      await naive();
      const ours: Array<{ wall: number; served: number; cpu: number }> = [];
      const naives: Array<{ wall: number; served: number }> = [];
      for (let i = 0; i < ROUNDS; i++) {
        let cpu = 0;
        const measured = await manifestRequests(async () => {
          cpu = await cpuOf(round);
        });
        ours.push({ ...measured, cpu });
        naives.push(await manifestRequests(naive));
      }
      const rows = await core.context.images.store.list();
      const upToDate = rows.filter((r) => r.status === "up-to-date").length;
      if (upToDate !== fleet.total * 2) throw new Error(`${upToDate} of ${fleet.total * 2} services up to date`);
      const wall = median(ours.map((o) => o.wall));
      const naiveWall = median(naives.map((n) => n.wall));
      const served = median(ours.map((o) => o.served));
      const naiveServed = median(naives.map((n) => n.served));
      return {
        name: "images",
        title: `image check round, ${SERVERS} agents / ${fleet.total} stacks / ${fleet.total * 2} containers / ${IMAGES} images, real registry`,
        command: "npx tsx --conditions=tugboat-source bench/images.ts",
        rows: [
          {
            metric: "manifest requests per round: core (one per unique tag)",
            value: String(served),
            goal: `= ${IMAGES}`,
            ok: served === IMAGES,
          },
          { metric: "manifest requests per round: one check per container (naive)", value: String(naiveServed) },
          {
            metric: `round wall time (median of ${ROUNDS}): core / naive`,
            value: `${wall.toFixed(0)} ms / ${naiveWall.toFixed(0)} ms (${(wall / naiveWall).toFixed(2)}×)`,
            goal: "< 1×",
            ok: wall < naiveWall,
          },
          { metric: "core CPU per round", value: `${median(ours.map((o) => o.cpu)).toFixed(0)} ms` },
        ],
      };
    } finally {
      await fleet.close();
    }
  } finally {
    await registry.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchImages();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
