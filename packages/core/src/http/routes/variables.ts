// Variables and secrets core holds: listed to viewers (a secret without its
// value), set and removed by admins. A change reaches stacks at the next
// sync check, like a commit: stacks whose environment changes redeploy.
import { Done, SetVariableRequest, TugError, VariableParams, VariableView } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited } from "../audit.js";
import type { CoreContext } from "../context.js";

export async function variableRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    "/api/variables",
    {
      config: { access: { role: "viewer" } },
      schema: {
        summary: "Variables and secrets core holds (secrets without their values)",
        response: { 200: z.array(VariableView) },
      },
    },
    () => ctx.variables.list(),
  );
  api.put(
    "/api/variables/:name",
    {
      config: { access: { role: "admin" } },
      schema: {
        summary: "Set a variable or secret for `[[NAME]]` (sealed at rest; a secret is never shown again)",
        params: VariableParams,
        body: SetVariableRequest,
        response: { 200: Done },
      },
    },
    async (request) => {
      const { value, secret, description } = request.body;
      await ctx.variables.set({ name: request.params.name, value, secret, description });
      ctx.say(`variable ${request.params.name} set${secret ? " (secret)" : ""}`);
      await audited(ctx, request, secret ? "secret.set" : "variable.set", request.params.name);
      return { ok: true as const };
    },
  );
  api.delete(
    "/api/variables/:name",
    {
      config: { access: { role: "admin" } },
      schema: { summary: "Remove a variable or secret", params: VariableParams, response: { 200: Done } },
    },
    async (request) => {
      if (!(await ctx.variables.delete(request.params.name)))
        throw new TugError("E_NOT_FOUND", `no variable named "${request.params.name}"`);
      await audited(ctx, request, "variable.delete", request.params.name);
      return { ok: true as const };
    },
  );
}
