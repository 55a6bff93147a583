// The /api routes. Each one parses its input, calls a store or service, and
// replies; errors become responses in one place (the app's error handler).

import { LoginRequest, StackAction, TugError } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import { authenticate, requireRole, triggerOf } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";
import { openApiDocument } from "../openapi.js";

const STACK_ACTIONS = ["deploy", "stop", "start", "restart", "pull"] as const;

export async function apiRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  app.get("/api/health", async () => ({ status: "ok" as const, version: ctx.version }));
  app.get("/api/openapi.json", async () => openApiDocument(ctx.version));

  app.post("/api/auth/login", { config: { rateLimit: { max: 10, timeWindow: "1 minute" } } }, async (request) => {
    const body = LoginRequest.safeParse(request.body);
    if (!body.success) throw new TugError("E_INVALID_REQUEST", "send { username, password }");
    const token = await ctx.users.login(body.data.username, body.data.password, ctx.config.session_hours);
    if (!token) throw new TugError("E_UNAUTHORIZED", "wrong username or password");
    return { token };
  });

  await app.register(async (secured) => {
    secured.addHook("onRequest", authenticate(ctx.users));
    const viewer = { preHandler: requireRole("viewer") };
    const operator = { preHandler: requireRole("operator") };
    const admin = { preHandler: requireRole("admin") };

    secured.post<{ Body: { name?: unknown; expiresInDays?: unknown } }>(
      "/api/auth/api-keys",
      viewer,
      async (request, reply) => {
        const name = typeof request.body?.name === "string" ? request.body.name.trim() : "";
        const days = request.body?.expiresInDays;
        if (!name) throw new TugError("E_INVALID_REQUEST", "send { name, expiresInDays? }");
        if (days !== undefined && (typeof days !== "number" || days <= 0))
          throw new TugError("E_INVALID_REQUEST", "expiresInDays must be a positive number");
        const expiresAt = typeof days === "number" ? new Date(Date.now() + days * 86_400_000).toISOString() : null;
        const key = await ctx.users.createApiKey(request.principal?.userId ?? 0, name, expiresAt);
        // Shown this once: only its hash is stored.
        return reply.status(201).send({ name, key, expiresAt });
      },
    );

    secured.get("/api/servers", viewer, () => ctx.servers.list());
    secured.post<{ Params: { name: string } }>("/api/servers/:name/accept-certificate", admin, async (request) => {
      const server = await ctx.servers.get(request.params.name);
      if (!server) throw new TugError("E_NOT_FOUND", `no server named "${request.params.name}"`);
      if (!server.pendingFingerprint)
        throw new TugError("E_INVALID_REQUEST", `server "${server.name}" has no changed certificate to accept`);
      await ctx.servers.pin(server.name, server.pendingFingerprint);
      return { fingerprint: server.pendingFingerprint };
    });

    secured.get("/api/stacks", viewer, () => ctx.stacks.list());
    secured.get<{ Params: { name: string } }>("/api/stacks/:name", viewer, async (request) => {
      const stack = await ctx.stacks.get(request.params.name);
      if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${request.params.name}"`);
      return stack;
    });
    for (const prefix of ["/api/stacks", "/api/stack"]) {
      for (const action of STACK_ACTIONS) {
        secured.post<{ Params: { name: string } }>(`${prefix}/:name/${action}`, operator, async (request, reply) => {
          const stack = await ctx.stacks.get(request.params.name);
          if (!stack) throw new TugError("E_NOT_FOUND", `no stack named "${request.params.name}"`);
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
        });
      }
    }

    secured.get("/api/syncs", viewer, () => ctx.syncs.list());
    secured.get<{ Params: { name: string } }>("/api/syncs/:name/plan", viewer, async (request) => {
      const sync = await ctx.syncs.get(request.params.name);
      if (!sync) throw new TugError("E_NOT_FOUND", `no sync named "${request.params.name}"`);
      return { commit: sync.headCommit, status: sync.status, errors: sync.errors, plan: sync.pendingPlan };
    });
    secured.post<{ Params: { name: string } }>("/api/syncs/:name/run", operator, async (request, reply) => {
      const sync = await ctx.syncs.get(request.params.name);
      if (!sync) throw new TugError("E_NOT_FOUND", `no sync named "${request.params.name}"`);
      const outcome = await ctx.engine.check(sync.name, triggerOf(request), { force: true });
      return reply
        .status(202)
        .send({ updateId: outcome.updateId ?? null, status: outcome.status, commit: outcome.commit });
    });

    secured.get<{ Querystring: { target?: string; limit?: string } }>("/api/updates", viewer, (request) =>
      ctx.log.store.list({
        ...(request.query.target ? { targetName: request.query.target } : {}),
        limit: Math.min(Number(request.query.limit ?? 100), 1000),
      }),
    );
    secured.get<{ Params: { id: string } }>("/api/updates/:id", viewer, async (request) => {
      const update = await ctx.log.store.get(request.params.id);
      if (!update) throw new TugError("E_NOT_FOUND", `no update ${request.params.id}`);
      return { ...update, events: (await ctx.log.store.events(update.id)).map((e) => e.event) };
    });
    secured.get<{ Params: { id: string } }>("/api/updates/:id/events", viewer, async (request, reply) => {
      const update = await ctx.log.store.get(request.params.id);
      if (!update) throw new TugError("E_NOT_FOUND", `no update ${request.params.id}`);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      const send = (seq: number, event: unknown) => res.write(`id: ${seq}\ndata: ${JSON.stringify(event)}\n\n`);
      let lastSeq = -1;
      // Subscribe first, then replay what is stored, so nothing falls between the two.
      const buffered: Array<{ seq: number; event: unknown }> = [];
      let live = false;
      const unsubscribe = ctx.log.subscribe(update.id, (e) => {
        if (e.seq === -1) {
          res.write(`event: end\ndata: ${JSON.stringify(e.event)}\n\n`);
          res.end();
          return;
        }
        if (!live) buffered.push(e);
        else if (e.seq > lastSeq) {
          lastSeq = e.seq;
          send(e.seq, e.event);
        }
      });
      request.raw.on("close", unsubscribe);
      for (const stored of await ctx.log.store.events(update.id)) {
        lastSeq = stored.seq;
        send(stored.seq, stored.event);
      }
      live = true;
      for (const e of buffered)
        if (e.seq > lastSeq) {
          lastSeq = e.seq;
          send(e.seq, e.event);
        }
      const current = await ctx.log.store.get(update.id);
      if (current && (current.status === "success" || current.status === "failed")) {
        res.write(`event: end\ndata: ${JSON.stringify({ type: "end", status: current.status })}\n\n`);
        unsubscribe();
        res.end();
      }
    });
  });
}
