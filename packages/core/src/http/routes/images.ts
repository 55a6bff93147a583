// Image checks: what every checked service runs against what its registry
// has, "check now" for the fleet or a stack, "update now", and the registry
// credentials core holds for the checks (set by admins, never shown again).
import {
  AcceptedResponse,
  Done,
  ImageCheckReply,
  ImageCheckRequest,
  ImagesView,
  ImageUpdateNowRequest,
  NameParams,
  RegistryCredentialsView,
  RegistryLoginRequest,
  RegistryParams,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { imageSpec } from "../../deploy/stack-spec.js";
import type { ImageCheckRow } from "../../images/image-store.js";
import type { CheckOptions } from "../../images/image-watch.js";
import { audited } from "../audit.js";
import { signedIn, triggerOf } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

export async function imageRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { images } = ctx;

  const view = async (rows: ImageCheckRow[]) => {
    const specs = new Map((await ctx.stacks.list()).map((s) => [s.name, imageSpec(s.spec)]));
    return {
      images: rows.map((row) => {
        const written = specs.get(row.stack)?.images.find((i) => i.service === row.service);
        return { ...row, edit: written ?? null };
      }),
      stacksWithUpdates: [...new Set(rows.filter((r) => r.status === "update-available").map((r) => r.stack))],
    };
  };
  /** A round now; its updates go on in the background. */
  const checkNow = async (options: CheckOptions) => {
    const { round, updatesDone } = await images.watch.check(options);
    ctx.background("image updates", updatesDone);
    return round;
  };
  const known = async (name: string) => {
    if (!(await ctx.stacks.get(name))) throw new TugError("E_NOT_FOUND", `no stack named "${name}"`);
  };

  api.get(
    "/api/images",
    {
      config: { access: "signed-in" },
      schema: {
        summary: "Every checked service's image: running and registry digests, newer versions",
        response: { 200: ImagesView },
      },
    },
    async (request) =>
      view(await ctx.access.filter(signedIn(request), "stack", await images.store.list(), (image) => image.stack)),
  );
  api.get(
    "/api/stacks/:name/images",
    {
      config: { access: { kind: "stack", level: "Read" } },
      schema: { summary: "The stack's images as last checked", params: NameParams, response: { 200: ImagesView } },
    },
    async (request) => {
      await known(request.params.name);
      return view(await images.store.list(request.params.name));
    },
  );
  api.post(
    "/api/images/check",
    {
      config: { access: { role: "operator" } },
      schema: {
        summary: "Check images now: every stack with poll_for_updates or auto_update, or the stacks named",
        body: ImageCheckRequest,
        response: { 200: ImageCheckReply },
      },
    },
    async (request) =>
      checkNow({ ...(request.body?.stacks ? { stacks: request.body.stacks } : {}), trigger: triggerOf(request) }),
  );
  api.post(
    "/api/stacks/:name/images/check",
    {
      config: { access: { kind: "stack", level: "Execute" } },
      schema: { summary: "Check the stack's images now", params: NameParams, response: { 200: ImageCheckReply } },
    },
    async (request) => {
      await known(request.params.name);
      return checkNow({ stacks: [request.params.name], trigger: triggerOf(request) });
    },
  );
  api.post(
    "/api/stacks/:name/images/update",
    {
      config: { access: { kind: "stack", level: "Execute" } },
      schema: {
        summary:
          "Update now: check, then pull and recreate the services with a newer image (verified, rolled back on failure)",
        params: NameParams,
        body: ImageUpdateNowRequest,
        response: { 202: AcceptedResponse },
      },
    },
    async (request, reply) => {
      await known(request.params.name);
      const services = request.body?.services;
      const round = await checkNow({
        stacks: [request.params.name],
        trigger: triggerOf(request),
        updateNow: services ? { services } : {},
      });
      const started = round.updates[0];
      if (!started)
        throw new TugError(
          "E_NOT_FOUND",
          `${request.params.name}: no service has a newer image (GET /api/stacks/${request.params.name}/images says why)`,
        );
      return reply.status(202).send({ updateId: started.updateId });
    },
  );
  api.get(
    "/api/registries",
    {
      config: { access: { role: "admin" } },
      schema: {
        summary: "Registries core holds credentials for (never the passwords)",
        response: { 200: RegistryCredentialsView },
      },
    },
    async () => ({ registries: await images.store.credentials() }),
  );
  api.put(
    "/api/registries/:registry",
    {
      config: { access: { role: "admin" } },
      schema: {
        summary: "Set the credentials image checks use for a registry host (sealed at rest, never shown again)",
        params: RegistryParams,
        body: RegistryLoginRequest,
        response: { 200: Done },
      },
    },
    async (request) => {
      await images.store.setCredential(request.params.registry.toLowerCase(), request.body);
      ctx.say(`registry credentials for ${request.params.registry} set (user ${request.body.username})`);
      await audited(ctx, request, "registry_credential.set", request.params.registry, {
        username: request.body.username,
      });
      return { ok: true as const };
    },
  );
  api.delete(
    "/api/registries/:registry",
    {
      config: { access: { role: "admin" } },
      schema: { summary: "Forget a registry's credentials", params: RegistryParams, response: { 200: Done } },
    },
    async (request) => {
      if (!(await images.store.deleteCredential(request.params.registry.toLowerCase())))
        throw new TugError("E_NOT_FOUND", `no credentials for ${request.params.registry}`);
      await audited(ctx, request, "registry_credential.delete", request.params.registry);
      return { ok: true as const };
    },
  );
}
