// Operating the fleet: the doctor; core's backups, listed, taken now and
// downloaded; the agent build core offers, and rolling agent upgrades.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  AcceptedResponse,
  AgentBuildView,
  AgentUpgradeRequest,
  BackupList,
  BackupParams,
  BackupView,
  DoctorReport,
  TugError,
} from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { rollingUpgrade } from "../../ops/agents/rolling-upgrade.js";
import { runDoctor } from "../../ops/doctor/doctor.js";
import { audited } from "../audit.js";
import { triggerOf } from "../auth-hooks.js";
import type { CoreContext } from "../context.js";

const ADMIN = { access: { role: "admin" as const } };

export async function operationsRoutes(app: FastifyInstance, ctx: CoreContext): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    "/api/doctor",
    {
      config: ADMIN,
      schema: {
        summary: "The fleet's health, row by row (agents probed now), each with the fix to try",
        response: { 200: DoctorReport },
      },
    },
    async () => {
      const rows = await runDoctor({
        servers: ctx.servers,
        agents: ctx.agents,
        stacks: ctx.stacks,
        syncs: ctx.syncs,
        backups: ctx.backups,
        backupScheduled: ctx.config.backup_schedule !== "off",
        agentVersion: (await ctx.agentBuilds.current().catch(() => undefined))?.version ?? ctx.version,
      });
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      return { rows, ok: count("ok"), warn: count("warn"), fail: count("fail") };
    },
  );
  api.get(
    "/api/agent/build",
    {
      config: { access: { role: "viewer" } },
      schema: {
        summary: "The agent build core offers: version and published SHA-256",
        response: { 200: AgentBuildView },
      },
    },
    async () => {
      const build = await ctx.agentBuilds.current();
      if (!build)
        throw new TugError(
          "E_NOT_FOUND",
          "core offers no agent build (npm run build makes one; or set TUG_AGENT_BUILD)",
        );
      return { version: build.version, sha256: build.sha256, size: build.size };
    },
  );
  api.get(
    "/api/agent/build/file",
    {
      config: { access: { role: "viewer" } },
      schema: {
        summary: "Download the agent build (tugboat-agent.mjs), its hash in x-tugboat-sha256",
        response: { 200: { description: "the build", content: { "text/javascript": { schema: z.unknown() } } } },
      },
    },
    async (_request, reply) => {
      const build = await ctx.agentBuilds.read();
      return reply
        .header("content-type", "text/javascript")
        .header("x-tugboat-sha256", build.sha256)
        .header("x-tugboat-version", build.version)
        .header("content-disposition", 'attachment; filename="tugboat-agent.mjs"')
        .send(build.data);
    },
  );
  api.post(
    "/api/agent/upgrade",
    {
      config: ADMIN,
      schema: {
        summary: "Upgrade (or roll back) agents one host at a time; follow the update it starts",
        body: AgentUpgradeRequest,
        response: { 202: AcceptedResponse },
      },
    },
    async (request, reply) => {
      const { all, rollback } = request.body;
      const known = await ctx.servers.list();
      const servers = all
        ? known
            .filter((s) => s.enabled)
            .map((s) => s.name)
            .sort()
        : request.body.servers;
      for (const name of servers)
        if (!known.some((s) => s.name === name)) throw new TugError("E_NOT_FOUND", `no server named "${name}"`);
      if (!rollback) await ctx.agentBuilds.read(); // no build: refused now, not in the update
      const updateId = await ctx.log.store.create({
        operation: rollback ? "agent-rollback" : "agent-upgrade",
        targetKind: "fleet",
        targetName: all ? "all servers" : servers.join(", "),
        ...triggerOf(request),
        reasons: servers,
      });
      await audited(ctx, request, rollback ? "agent.rollback" : "agent.upgrade", servers.join(","), { updateId });
      ctx.background(
        "agent upgrade",
        rollingUpgrade(
          { agents: ctx.agents, builds: ctx.agentBuilds, hold: (server) => ctx.deployer.hold(server), log: ctx.log },
          { servers, rollback, updateId },
        ),
      );
      return reply.status(202).send({ updateId });
    },
  );
  api.get(
    "/api/backups",
    { config: ADMIN, schema: { summary: "Core's backups, newest first", response: { 200: BackupList } } },
    async () => ({
      backups: await ctx.backups.list(),
      dir: ctx.backups.dir,
      schedule: ctx.config.backup_schedule,
      nextRun: ctx.backups.nextRun()?.toISOString() ?? null,
      keep: {
        daily: ctx.config.backup_keep_daily,
        weekly: ctx.config.backup_keep_weekly,
        monthly: ctx.config.backup_keep_monthly,
      },
      encrypted: ctx.config.backup_age_recipient !== "",
    }),
  );
  api.post(
    "/api/backups",
    {
      config: ADMIN,
      schema: { summary: "Back core up now (checked, then GFS-pruned)", response: { 201: BackupView } },
    },
    async (request, reply) => {
      const record = await ctx.backups.run("manual").catch(async (error: Error) => {
        await audited(ctx, request, "backup.create", "core", { error: error.message }, "failed");
        throw error;
      });
      await audited(ctx, request, "backup.create", record.name, { size: record.size });
      return reply.status(201).send(record);
    },
  );
  api.get(
    "/api/backups/:name/file",
    {
      config: ADMIN,
      schema: {
        summary: "Download a backup's archive",
        params: BackupParams,
        response: {
          200: { description: "the archive", content: { "application/octet-stream": { schema: z.unknown() } } },
        },
      },
    },
    async (request, reply) => {
      const file = await ctx.backups.file(request.params.name);
      await audited(ctx, request, "backup.download", request.params.name);
      return reply
        .header("content-type", "application/octet-stream")
        .header("content-length", (await stat(file)).size)
        .header("content-disposition", `attachment; filename="${request.params.name}"`)
        .send(createReadStream(file));
    },
  );
}
