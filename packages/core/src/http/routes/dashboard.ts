// The dashboard in one request: servers with their last host sample and
// stack counts, fleet totals, open alerts and the latest updates.
import { DashboardView } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { roleAllows } from "../../auth/permissions.js";
import type { Principal } from "../../auth/sessions.js";
import type { StackCount } from "../../deploy/stack-store.js";
import { signedIn } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

const percent = (used: number, total: number) => (total > 0 ? Math.round((used / total) * 1000) / 10 : null);

/**
 * The stacks the user may read, counted per server and state: by the
 * database for a role that reads every stack, else from each stack the user
 * may read (permissions are per stack).
 */
async function stackCounts(ctx: CoreContext, who: Principal): Promise<StackCount[]> {
  if (roleAllows(who.role, "Read")) return ctx.stacks.counts();
  const readable = ctx.access.filterRefs(who, await ctx.stacks.summaries(), (s) => ({
    kind: "stack",
    name: s.name,
    tags: s.tags,
  }));
  return readable.map((s) => ({
    server: s.server,
    state: s.state,
    stacks: 1,
    drifted: s.drifted ? 1 : 0,
    rolledBack: s.rolledBack ? 1 : 0,
    held: s.held ? 1 : 0,
  }));
}

export async function dashboardRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/api/dashboard",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Servers with their last sample and stack counts, totals, open alerts, last updates",
        response: { 200: DashboardView },
      },
    },
    async (request) => {
      const who = signedIn(request);
      const [allServers, counts, allAlerts, allUpdates] = await Promise.all([
        ctx.servers.list(),
        stackCounts(ctx, who),
        ctx.observability.alerts.list({ status: "open", limit: 50 }),
        ctx.log.store.list({ limit: 10 }),
      ]);
      // Only what the user may read: servers and stacks, and alerts and updates about them.
      const servers = await ctx.access.filter(who, "server", allServers, (s) => s.name);
      const alerts = await ctx.access.filterTargets(who, allAlerts, (a) => ({
        kind: a.targetKind,
        name: a.targetName,
      }));
      const updates = await ctx.access.filterTargets(who, allUpdates, (u) => ({
        kind: u.targetKind,
        name: u.targetName,
      }));
      const byServer = new Map<string, Record<string, number>>();
      const totals: Record<string, number> = {};
      const fleet = { stacks: 0, drifted: 0, rolledBack: 0, held: 0 };
      for (const count of counts) {
        const forServer = byServer.get(count.server) ?? {};
        forServer[count.state] = (forServer[count.state] ?? 0) + count.stacks;
        byServer.set(count.server, forServer);
        totals[count.state] = (totals[count.state] ?? 0) + count.stacks;
        fleet.stacks += count.stacks;
        fleet.drifted += count.drifted;
        fleet.rolledBack += count.rolledBack;
        fleet.held += count.held;
      }
      const latest = await ctx.observability.metrics.latest(servers.map((s) => s.name));
      return {
        servers: servers.map((server) => {
          const sample = latest.get(server.name);
          const disks = Object.keys(sample ?? {})
            .filter((k) => k.startsWith("disk:") && k.endsWith(".used"))
            .map((k) => percent(sample?.[k] ?? 0, sample?.[k.replace(/\.used$/, ".total")] ?? 0) ?? 0);
          return {
            name: server.name,
            region: server.region,
            tags: server.tags,
            enabled: server.enabled,
            reachable: server.reachable,
            lastSeen: server.lastSeen,
            lastError: server.lastError,
            agentVersion: server.agentVersion,
            stats: sample
              ? {
                  cpu: Math.round((sample.cpu ?? 0) * 10) / 10,
                  memory: percent(sample["mem.used"] ?? 0, sample["mem.total"] ?? 0),
                  disk: disks.length > 0 ? Math.max(...disks) : null,
                }
              : null,
            stacks: byServer.get(server.name) ?? {},
          };
        }),
        totals: {
          servers: servers.length,
          reachable: servers.filter((s) => s.reachable).length,
          stacks: fleet.stacks,
          byState: totals,
          drifted: fleet.drifted,
          rolledBack: fleet.rolledBack,
          held: fleet.held,
        },
        alerts,
        updates,
      };
    },
  );
}
