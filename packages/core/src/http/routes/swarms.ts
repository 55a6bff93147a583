// Swarms: each declared swarm with its health, and one swarm's nodes,
// services, tasks and networks as its manager last reported them.
import { NameParams, SwarmDetailView, SwarmListItemView, type SwarmState, TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { unconverged } from "../../swarm/swarm-alerts.js";
import type { DeclaredSwarm, Swarms } from "../../swarm/swarms.js";
import { signedIn } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

function problemsOf(swarms: Swarms, swarm: DeclaredSwarm): string[] {
  const state = swarms.observed(swarm.name)?.state;
  if (!state) return [];
  const down = state.nodes.filter((n) => n.status !== "ready").map((n) => `node ${n.hostname} is ${n.status}`);
  return [...down, ...unconverged(state.services)];
}

function listItem(swarms: Swarms, swarm: DeclaredSwarm): SwarmListItemView {
  const observed = swarms.observed(swarm.name);
  const state = observed?.state;
  const problems = problemsOf(swarms, swarm);
  const bad = new Set(unconverged(state?.services ?? []).map((p) => p.split(":")[0]));
  return {
    name: swarm.name,
    description: swarm.description,
    tags: swarm.tags,
    links: swarm.config.links,
    managers: swarm.config.servers,
    manager: observed?.manager ?? "",
    health: !observed ? "unknown" : !state ? "down" : problems.length > 0 ? "unhealthy" : "healthy",
    nodes: {
      total: state?.nodes.length ?? 0,
      ready: state?.nodes.filter((n) => n.status === "ready").length ?? 0,
      down: state?.nodes.filter((n) => n.status === "down" || n.status === "disconnected").length ?? 0,
    },
    services: {
      total: state?.services.length ?? 0,
      converged: state?.services.filter((s) => !bad.has(s.name)).length ?? 0,
    },
    error: observed?.error ?? "",
    checkedAt: observed?.at ?? null,
  };
}

/** A network made from per-node configurations carries no label of its own: Git's list says it is declared. */
function withDeclared(state: SwarmState | undefined, swarm: DeclaredSwarm): SwarmState | null {
  if (!state) return null;
  const names = new Set(swarm.config.networks.map((n) => n.name));
  return { ...state, networks: state.networks.map((n) => ({ ...n, declared: n.declared || names.has(n.name) })) };
}

export async function swarmRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/api/swarms",
    {
      config: { access: "signed-in" },
      schema: { summary: "Declared swarms and their health", response: { 200: z.array(SwarmListItemView) } },
    },
    async (request) =>
      (await ctx.access.filter(signedIn(request), "swarm", ctx.swarms.list(), (s) => s.name)).map((swarm) =>
        listItem(ctx.swarms, swarm),
      ),
  );
  api.get(
    "/api/swarms/:name",
    {
      config: { access: { kind: "swarm", level: "Read" } },
      schema: {
        summary: "One swarm: nodes, services, tasks and networks, and what the last sync applied",
        params: NameParams,
        response: { 200: SwarmDetailView },
      },
    },
    (request): SwarmDetailView => {
      const swarm = ctx.swarms.get(request.params.name);
      if (!swarm) throw new TugError("E_NOT_FOUND", `no swarm named "${request.params.name}"`);
      const report = ctx.swarms.report(swarm.name);
      return {
        ...listItem(ctx.swarms, swarm),
        state: withDeclared(ctx.swarms.observed(swarm.name)?.state, swarm),
        problems: problemsOf(ctx.swarms, swarm),
        applied: report
          ? { at: report.at, labels: report.labels ?? null, networks: report.networks, errors: report.errors }
          : null,
      };
    },
  );
}
