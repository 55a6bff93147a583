// Client commands against a running core: ls, deploy/stop/…, sync run, remote
// plan, updates. Tables for people, --json for scripts.
import { CoreClient } from "../core-client.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { table } from "../table.js";
import { stackStanding } from "./status.js";

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : "-");

export async function lsCommand(kind: string, options: { core?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const path = { servers: "/api/servers", stacks: "/api/stacks", syncs: "/api/syncs", swarms: "/api/swarms" }[kind];
  if (!path) {
    process.stderr.write(`tug ls: choose servers, stacks, syncs or swarms (not ${kind})\n`);
    return EXIT_USAGE;
  }
  const rows = await client.request<Array<Record<string, unknown>>>("GET", path);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT_OK;
  }
  const view = {
    servers: () => [
      ["NAME", "REGION", "ENABLED", "REACHABLE", "AGENT"],
      ...rows.map((r) => [
        String(r.name),
        String(r.region || "-"),
        r.enabled ? "yes" : "no",
        r.reachable ? "yes" : "no",
        String(r.agentVersion ?? "-"),
      ]),
    ],
    stacks: () => [
      ["NAME", "SERVER", "STATE", "COMMIT", "GIT"],
      ...rows.map((r) => [
        String(r.name),
        String(r.server),
        `${r.state}${r.stopped ? " (stopped on purpose)" : ""}`,
        short(r.deployedCommit as string | null),
        stackStanding(r as unknown as Parameters<typeof stackStanding>[0]),
      ]),
    ],
    syncs: () => [
      ["NAME", "STATUS", "HEAD", "APPLIED", "BRANCH"],
      ...rows.map((r) => [
        String(r.name),
        String(r.status),
        short(r.headCommit as string | null),
        short(r.appliedCommit as string | null),
        String(r.branch),
      ]),
    ],
    swarms: () => [
      ["NAME", "HEALTH", "MANAGER", "NODES", "SERVICES"],
      ...rows.map((r) => {
        const nodes = r.nodes as { total: number; ready: number };
        const services = r.services as { total: number; converged: number };
        return [
          String(r.name),
          `${r.health}${r.error ? ` (${r.error})` : ""}`,
          String(r.manager || "-"),
          `${nodes.ready}/${nodes.total} ready`,
          `${services.converged}/${services.total} converged`,
        ];
      }),
    ],
  }[kind as "servers" | "stacks" | "syncs" | "swarms"];
  process.stdout.write(table(view()));
  return EXIT_OK;
}

/** Streams an update's output until it ends; exit 0 when it succeeded. */
export async function followAndReport(client: CoreClient, updateId: string): Promise<number> {
  const status = await client.follow(updateId, (event) => {
    if (event.type === "step" && event.step) process.stdout.write(`==> ${event.step}\n`);
    else if (event.type === "log" && event.line !== undefined) process.stdout.write(`${event.line}\n`);
  });
  const update = await client.request<{ status: string; result: { error?: { message: string } } | null }>(
    "GET",
    `/api/updates/${updateId}`,
  );
  process.stdout.write(
    `update ${updateId}: ${update.status}${update.result?.error ? `: ${update.result.error.message}` : ""}\n`,
  );
  return status === "success" || update.status === "success" ? EXIT_OK : EXIT_FAILED;
}

export async function stackActionCommand(
  action: string,
  stack: string,
  options: { core?: string; follow?: boolean },
): Promise<number> {
  const client = await CoreClient.from(options);
  const { updateId } = await client.request<{ updateId: string }>(
    "POST",
    `/api/stacks/${encodeURIComponent(stack)}/${action}`,
  );
  if (!options.follow) {
    process.stdout.write(`${updateId}\n`);
    return EXIT_OK;
  }
  return followAndReport(client, updateId);
}

export async function syncRunCommand(name: string, options: { core?: string }): Promise<number> {
  const client = await CoreClient.from(options);
  const outcome = await client.request<{ updateId: string | null; status: string; commit: string }>(
    "POST",
    `/api/syncs/${encodeURIComponent(name)}/run`,
  );
  process.stdout.write(
    `sync ${name} at ${short(outcome.commit)}: ${outcome.status}${outcome.updateId ? ` (update ${outcome.updateId})` : ""}\n`,
  );
  return outcome.status === "applied" || outcome.status === "unchanged" || outcome.status === "pending"
    ? EXIT_OK
    : EXIT_FAILED;
}

export async function remotePlanCommand(name: string, options: { core?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const plan = await client.request<{
    commit: string | null;
    status: string;
    errors: Array<{ file: string; line: number; column: number; message: string }>;
    plan: unknown;
  }>("GET", `/api/syncs/${encodeURIComponent(name)}/plan`);
  if (options.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else {
    process.stdout.write(`sync ${name} at ${short(plan.commit)}: ${plan.status}\n`);
    for (const e of plan.errors) process.stdout.write(`${e.file}:${e.line}:${e.column} error ${e.message}\n`);
    if (plan.plan) process.stdout.write(`${JSON.stringify(plan.plan, null, 2)}\n`);
  }
  return plan.errors.length > 0 ? EXIT_FAILED : EXIT_OK;
}

export async function updatesCommand(options: { core?: string; target?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const rows = await client.request<Array<Record<string, unknown>>>(
    "GET",
    `/api/updates${options.target ? `?target=${encodeURIComponent(options.target)}` : ""}`,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else
    process.stdout.write(
      table([
        ["ID", "OPERATION", "TARGET", "STATUS", "TRIGGER", "CREATED"],
        ...rows.map((r) => [
          String(r.id),
          String(r.operation),
          String(r.targetName),
          String(r.status),
          String(r.trigger),
          String(r.createdAt),
        ]),
      ]),
    );
  return EXIT_OK;
}

export async function updateCommand(id: string, options: { core?: string; follow?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  if (options.follow) return followAndReport(client, id);
  process.stdout.write(
    `${JSON.stringify(await client.request("GET", `/api/updates/${encodeURIComponent(id)}`), null, 2)}\n`,
  );
  return EXIT_OK;
}
