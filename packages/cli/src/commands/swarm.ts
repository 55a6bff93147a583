// `tug swarm nodes NAME`: a swarm's nodes as its manager last reported them.
import type { SwarmDetailView } from "@tugboat/protocol";
import { CoreClient } from "../core-client.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { table } from "../table.js";

export async function swarmNodesCommand(name: string, options: { core?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const swarm = await client.request<SwarmDetailView>("GET", `/api/swarms/${encodeURIComponent(name)}`);
  const nodes = swarm.state?.nodes ?? [];
  if (options.json) {
    process.stdout.write(`${JSON.stringify(nodes, null, 2)}\n`);
    return swarm.state ? EXIT_OK : EXIT_FAILED;
  }
  if (!swarm.state) {
    process.stderr.write(`swarm ${name}: ${swarm.error || "not polled yet"}\n`);
    return EXIT_FAILED;
  }
  process.stdout.write(
    table([
      ["HOSTNAME", "ROLE", "AVAILABILITY", "STATUS", "LABELS", "ENGINE"],
      ...nodes.map((n) => [
        n.hostname,
        n.leader ? "manager (leader)" : n.role,
        n.availability,
        n.status,
        Object.entries(n.labels)
          .filter(([key]) => key !== "tugboat.labels")
          .map(([key, value]) => `${key}=${value}`)
          .join(",") || "-",
        n.engineVersion,
      ]),
    ]),
  );
  return nodes.every((n) => n.status === "ready") ? EXIT_OK : EXIT_FAILED;
}
