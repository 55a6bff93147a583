// Push webhooks: GitHub's HMAC-SHA256 signature (also what Gitea and Forgejo
// send) and GitLab's token. A verified push to the sync's branch starts a
// check; the reply does not wait for it.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { NameParams, TugError, WebhookReply } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { CoreContext } from "../context.js";

const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());

export async function webhookRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin
  await app.register(async (hooks) => {
    // Signatures are over the exact bytes sent: keep the raw body.
    hooks.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    const api = hooks.withTypeProvider<ZodTypeProvider>();

    const handle = async (name: string, body: Buffer, verify: (secret: string) => boolean) => {
      const sync = await ctx.syncs.get(name);
      if (!sync) throw new TugError("E_NOT_FOUND", `no sync named "${name}"`);
      const secret = (await ctx.syncs.webhookSecret(name)) || ctx.config.webhook_secret;
      if (!secret)
        throw new TugError(
          "E_FORBIDDEN",
          `webhooks are off for sync "${name}": set TUG_WEBHOOK_SECRET on core, or webhook_secret in its [[resource_sync]]`,
        );
      if (!verify(secret))
        throw new TugError("E_UNAUTHORIZED", "webhook signature does not match the sync's webhook secret");
      let ref = "";
      try {
        ref = String((JSON.parse(body.toString("utf8")) as { ref?: unknown }).ref ?? "");
      } catch {
        throw new TugError("E_INVALID_REQUEST", "webhook body is not JSON");
      }
      if (ref !== `refs/heads/${sync.branch}`)
        return { accepted: false, reason: `push to ${ref || "?"}, not ${sync.branch}` };
      ctx.background(
        `webhook check of sync ${sync.name}`,
        ctx.engine.check(sync.name, { trigger: "webhook", actor: "webhook" }),
      );
      return { accepted: true };
    };
    const route = {
      config: { access: "webhook" as const },
      schema: { params: NameParams, response: { 202: WebhookReply } },
    };

    api.post(
      "/webhooks/github/sync/:name",
      { ...route, schema: { ...route.schema, summary: "GitHub/Gitea/Forgejo push webhook (X-Hub-Signature-256)" } },
      async (request, reply) => {
        const signature = String(request.headers["x-hub-signature-256"] ?? "");
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await handle(request.params.name, body, (secret) => {
          const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
          return sameSecret(expected, signature);
        });
        return reply.status(202).send(result);
      },
    );

    api.post(
      "/webhooks/gitlab/sync/:name",
      { ...route, schema: { ...route.schema, summary: "GitLab push webhook (X-Gitlab-Token)" } },
      async (request, reply) => {
        const token = String(request.headers["x-gitlab-token"] ?? "");
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await handle(request.params.name, body, (secret) => sameSecret(secret, token));
        return reply.status(202).send(result);
      },
    );
  });
}
