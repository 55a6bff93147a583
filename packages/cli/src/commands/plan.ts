// `tug plan [DIR]`: what applying the repository would change, and which
// stacks would deploy, in which wave, and why.
import { readFile, writeFile } from "node:fs/promises";
import { EMPTY_STATE, FleetState, formatDiagnostic, loadFleet, type Plan, planFleet } from "@tugboat/config";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { UsageError } from "../usage-error.js";
import { type FleetReadOptions, fleetOptions, noteUnusedRepos, openSource } from "./source.js";

export interface PlanCommandOptions extends FleetReadOptions {
  state?: string;
  writeState?: string;
  json?: boolean;
}

async function readState(file: string | undefined): Promise<FleetState> {
  if (!file) return EMPTY_STATE;
  const text = await readFile(file, "utf8").catch((error: Error) => {
    throw new UsageError(`cannot read state file ${file}: ${error.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`state file ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = FleetState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`state file ${file} is not a Tugboat state: ${issue?.path.join(".")} ${issue?.message}`);
  }
  return parsed.data;
}

export async function planCommand(dir: string, options: PlanCommandOptions): Promise<number> {
  const current = await readState(options.state);
  const { load, unusedRepos } = await fleetOptions(dir, options);
  const source = await openSource(dir, options.commit);
  try {
    const { fleet, errors, warnings } = await loadFleet(source, load);
    noteUnusedRepos(unusedRepos());
    if (errors.length > 0) {
      if (options.json) process.stdout.write(`${JSON.stringify({ errors, warnings }, null, 2)}\n`);
      else {
        for (const item of [...errors, ...warnings]) process.stdout.write(`${formatDiagnostic(item)}\n`);
        process.stdout.write(`no plan: ${errors.length} error(s) in ${source.label}\n`);
      }
      return EXIT_FAILED;
    }
    // Servers other repositories declare are known (and enabled) only by name, offline.
    const external = [...fleet.settings.externalServers, ...(options.server ?? [])];
    const plan = planFleet(fleet, current, { knownServers: new Map(external.map((name) => [name, true])) });
    if (options.writeState) await writeFile(options.writeState, `${JSON.stringify(plan.state, null, 2)}\n`);
    if (options.json) {
      const { state: _state, ...rest } = plan;
      process.stdout.write(`${JSON.stringify({ ...rest, warnings }, null, 2)}\n`);
    } else process.stdout.write(renderPlan(plan, source.label, warnings.length));
    return EXIT_OK;
  } finally {
    await source.close();
  }
}

const SYMBOL = { create: "+", update: "~", delete: "-" } as const;

export function renderPlan(plan: Plan, label: string, warnings: number): string {
  const lines = [`Plan for ${label}${warnings > 0 ? ` (${warnings} warning(s): see tug validate)` : ""}`];
  const count = (action: keyof typeof SYMBOL) => plan.resources.filter((r) => r.action === action).length;
  lines.push(`Resources: ${count("create")} to create, ${count("update")} to update, ${count("delete")} to delete`);
  for (const r of plan.resources) lines.push(`  ${SYMBOL[r.action]} ${r.kind} ${r.name}`);
  if (plan.kept.length > 0) {
    lines.push(`Kept (no longer declared; the sync has delete = false and managed = false): ${plan.kept.length}`);
    for (const r of plan.kept) lines.push(`  = ${r.kind} ${r.name}`);
  }
  const waves = [...new Set(plan.deploys.map((d) => d.wave))];
  lines.push(
    plan.deploys.length === 0 ? "Deploys: none" : `Deploys: ${plan.deploys.length} stack(s) in ${waves.length} wave(s)`,
  );
  for (const wave of waves) {
    lines.push(`  wave ${wave}`);
    for (const d of plan.deploys.filter((item) => item.wave === wave)) {
      lines.push(`    ${d.stack} → ${d.server}: ${d.reasons.join("; ")}`);
    }
  }
  if (plan.pending.length > 0) {
    lines.push(`Pending manual deploy (deploy_on_push = false): ${plan.pending.length}`);
    for (const p of plan.pending) lines.push(`    ${p.stack} → ${p.server}: ${p.reasons.join("; ")}`);
  }
  if (plan.skipped.length > 0) {
    lines.push(`Skipped: ${plan.skipped.length}`);
    for (const s of plan.skipped) lines.push(`    ${s.stack} → ${s.server}: ${s.reason}`);
  }
  return `${lines.join("\n")}\n`;
}
