// Operating core (admins): the fleet doctor; core's backups, listed, taken
// now and downloaded.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { BackupList, BackupParams, BackupView, DoctorReport } from "@tugboat/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { runDoctor } from "../../ops/doctor/doctor.js";
import { audited } from "../audit.js";
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
        agentVersion: () => ctx.version,
      });
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      return { rows, ok: count("ok"), warn: count("warn"), fail: count("fail") };
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
    { config: ADMIN, schema: { summary: "Download a backup's archive", params: BackupParams } },
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
