// The fleet's routes: servers, stacks and their actions, syncs, update
// records. Each parses its input (by schema), calls a store or service, and
// replies (by schema); errors become responses in one place.
import {
  AcceptCertificateRequest,
  AcceptCertificateView,
  AcceptedResponse,
  HealthResponse,
  IdParams,
  NameParams,
  PlanView,
  ServerView,
  StackAction,
  StackView,
  SyncRunView,
  SyncView,
  TugError,
  UpdateDetailView,
  UpdatesQuery,
  UpdateView,
} from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { stackRef } from "../../auth/access.js";
import type { Principal } from "../../auth/sessions.js";
import type { StackRow } from "../../deploy/stack-store.js";
import { audited } from "../audit.js";
import { signedIn, triggerOf } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";
import { openEventStream } from "../event-stream.js";
import { accessView, serverView, stackView, syncView } from "../views.js";

const STACK_ACTIONS = ["deploy", "stop", "start", "restart", "pull"] as const;

export async function apiRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const stackOf = async (name: string) => {
    const stack = await ctx.stacks.get(name);
    if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${name}"`);
    return stack;
  };
  /**
   * A stack's view with what the caller may do to it, so the UI shows only the buttons that
   * work. Its row carries its tags: no store read.
   */
  const withAccess = (row: StackRow, who: Principal) => ({
    ...stackView(row, ctx.swarms.replicas),
    access: accessView(ctx.access.grant(who, stackRef(row))),
  });
  const syncOf = async (name: string) => {
    const sync = await ctx.syncs.get(name);
    if (!sync) throw new TugError("E_NOT_FOUND", `no sync named "${name}"`);
    return sync;
  };

  api.get(
    "/api/health",
    { config: { access: "public" }, schema: { summary: "Core is up", response: { 200: HealthResponse } } },
    () => ({ status: "ok" as const, version: ctx.version }),
  );
  api.get(
    "/api/openapi.json",
    {
      config: { access: "public" },
      schema: { hide: true, response: { 200: z.record(z.string(), z.unknown()) } },
    },
    () => app.swagger() as unknown as Record<string, unknown>,
  );

  api.get(
    "/api/servers",
    {
      config: { access: "signed-in" },
      schema: { summary: "Servers and their reachability", response: { 200: z.array(ServerView) } },
    },
    async (request) =>
      (await ctx.access.filter(signedIn(request), "server", await ctx.servers.list(), (s) => s.name)).map(serverView),
  );
  api.post(
    "/api/servers/:name/accept-certificate",
    {
      config: { access: { role: "admin" } },
      schema: {
        summary:
          "Trust the certificate an agent presented (first contact or a change); give the fingerprint you checked",
        params: NameParams,
        body: AcceptCertificateRequest,
        response: { 200: AcceptCertificateView },
      },
    },
    async (request) => {
      const server = await ctx.servers.get(request.params.name);
      if (!server) throw new TugError("E_NOT_FOUND", `no server named "${request.params.name}"`);
      if (!server.pendingFingerprint)
        throw new TugError("E_INVALID_REQUEST", `server "${server.name}" has no certificate waiting to be accepted`);
      if (server.pendingFingerprint !== request.body.fingerprint.trim().toUpperCase())
        throw new TugError(
          "E_INVALID_REQUEST",
          `server "${server.name}" presented ${server.pendingFingerprint}, not the fingerprint you gave; check the agent (its log and GET /health show its fingerprint)`,
        );
      await ctx.servers.pin(server.name, server.pendingFingerprint);
      await audited(ctx, request, "certificate.accept", server.name, {
        fingerprint: server.pendingFingerprint,
        previous: server.fingerprint ?? null,
      });
      return { fingerprint: server.pendingFingerprint };
    },
  );

  api.get(
    "/api/stacks",
    {
      config: { access: "signed-in" },
      schema: { summary: "Stacks and their state", response: { 200: z.array(StackView) } },
    },
    async (request) => {
      const who = signedIn(request);
      // Each row carries its tags: no store read per stack (Access.filterRefs).
      return ctx.access.filterRefs(who, await ctx.stacks.list(), stackRef).map((row) => withAccess(row, who));
    },
  );
  api.get(
    "/api/stacks/:name",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: { summary: "One stack", params: NameParams, response: { 200: StackView } },
    },
    async (request) => withAccess(await stackOf(request.params.name), signedIn(request)),
  );
  for (const prefix of ["/api/stacks", "/api/stack"]) {
    for (const action of STACK_ACTIONS) {
      api.post(
        `${prefix}/:name/${action}`,
        {
          config: { access: { kind: "stack", level: "Execute" } },
          schema: {
            summary: `${action} a stack${prefix === "/api/stack" ? " (Komodo-style path)" : ""}`,
            params: NameParams,
            response: { 202: AcceptedResponse },
          },
        },
        async (request, reply) => {
          const stack = await stackOf(request.params.name);
          const trigger = triggerOf(request);
          const updateId =
            action === "deploy"
              ? await ctx.engine.deployStack(stack.name, trigger)
              : await ctx.deployer.action({
                  stack: stack.name,
                  server: stack.server,
                  action: StackAction.parse(action),
                  trigger,
                });
          return reply.status(202).send({ updateId });
        },
      );
    }
  }

  api.get(
    "/api/syncs",
    {
      config: { access: "signed-in" },
      schema: { summary: "Syncs, their last commit and status", response: { 200: z.array(SyncView) } },
    },
    async (request) =>
      (await ctx.access.filter(signedIn(request), "sync", await ctx.syncs.list(), (s) => s.name)).map(syncView),
  );
  api.get(
    "/api/syncs/:name/plan",
    {
      config: { access: { kind: "sync", level: "Read" } },
      schema: {
        summary: "The held plan, or the errors of an invalid commit",
        params: NameParams,
        response: { 200: PlanView },
      },
    },
    async (request) => {
      const sync = await syncOf(request.params.name);
      return {
        commit: sync.headCommit,
        status: sync.status,
        errors: sync.errors,
        plan: (sync.pendingPlan ?? null) as z.infer<typeof PlanView>["plan"],
      };
    },
  );
  api.post(
    "/api/syncs/:name/run",
    {
      config: { access: { kind: "sync", level: "Execute" } },
      schema: { summary: "Apply the branch head now", params: NameParams, response: { 202: SyncRunView } },
    },
    async (request, reply) => {
      const sync = await syncOf(request.params.name);
      const outcome = await ctx.engine.check(sync.name, triggerOf(request), { force: true });
      return reply
        .status(202)
        .send({ updateId: outcome.updateId ?? null, status: outcome.status, commit: outcome.commit });
    },
  );

  api.get(
    "/api/updates",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Update records, newest first",
        querystring: UpdatesQuery,
        response: { 200: z.array(UpdateView) },
      },
    },
    async (request) =>
      ctx.access.filterTargets(
        signedIn(request),
        await ctx.log.store.list({
          ...(request.query.target ? { targetName: request.query.target } : {}),
          limit: request.query.limit,
        }),
        (u) => ({ kind: u.targetKind, name: u.targetName }),
      ),
  );
  api.get(
    "/api/updates/:id",
    {
      config: { access: { kind: "update", level: "Read" } },
      schema: { summary: "One update record with its events", params: IdParams, response: { 200: UpdateDetailView } },
    },
    async (request) => {
      const update = await ctx.log.store.get(request.params.id);
      if (!update) throw new TugError("E_NOT_FOUND", `no update ${request.params.id}`);
      return { ...update, events: (await ctx.log.store.events(update.id)).map((e) => e.event) };
    },
  );
  api.get(
    "/api/updates/:id/events",
    {
      config: { access: { kind: "update", level: "Read" } },
      schema: {
        summary: "Live events of an update (server-sent events; the last is `event: end`)",
        params: IdParams,
        response: {
          200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } },
        },
      },
    },
    async (request, reply) => {
      const update = await ctx.log.store.get(request.params.id);
      if (!update) throw new TugError("E_NOT_FOUND", `no update ${request.params.id}`);
      const stream = await openEventStream(request, reply, ctx.masker);
      let lastSeq = -1;
      const forward = (seq: number, event: unknown) => {
        if (seq <= lastSeq) return;
        lastSeq = seq;
        stream.send(event, undefined, String(seq));
      };
      const end = (status: string) => {
        stream.send({ type: "end", status }, "end");
        stream.end();
      };
      // Subscribe first, then replay what is stored, so nothing falls between the two.
      const buffered: Array<{ seq: number; event: unknown }> = [];
      let live = false;
      const unsubscribe = ctx.log.subscribe(update.id, (e) => {
        if (e.seq === -1) return end((e.event as { status: string }).status);
        if (live) forward(e.seq, e.event);
        else buffered.push(e);
      });
      stream.signal.addEventListener("abort", unsubscribe, { once: true });
      for (const stored of await ctx.log.store.events(update.id)) forward(stored.seq, stored.event);
      live = true;
      for (const e of buffered) forward(e.seq, e.event);
      const current = await ctx.log.store.get(update.id);
      if (current && (current.status === "success" || current.status === "failed")) {
        unsubscribe();
        end(current.status);
      }
    },
  );
}
