// `tug status STACK`: one stack as core sees it — state, deployed commit, how
// it drifted from what Tugboat deployed, self-heals, a quarantined version.
import { CoreClient } from "../core-client.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";

/** The fields of core's stack view this command reads (docs/openapi.json, StackView). */
interface StackView {
  name: string;
  server: string;
  state: string;
  stopped: boolean;
  desiredFingerprint: string;
  deployedFingerprint: string | null;
  deployedCommit: string | null;
  deployedAt: string | null;
  drift: Array<{ message: string }> | null;
  heals: string[];
  healHold: string | null;
  quarantine: { commit: string; reason: string; rolledBackTo?: string } | null;
  spec: {
    reconcile: { selfHeal: boolean; autoRollback: boolean; healBudget: number; healWindowMinutes: number };
  };
}

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : "-");

/** How a stack stands against Git, in a few words: what `tug ls stacks` shows. */
export function stackStanding(
  stack: Pick<StackView, "drift" | "quarantine" | "healHold" | "desiredFingerprint" | "deployedFingerprint">,
): string {
  const words: string[] = [];
  if (stack.drift) words.push("drifted");
  if (stack.quarantine?.rolledBackTo) words.push("rolled back");
  else if (stack.quarantine) words.push("failed version held");
  if (stack.healHold) words.push("held for a person");
  if (words.length === 0)
    words.push(stack.deployedFingerprint === stack.desiredFingerprint ? "in sync" : "out of sync");
  return words.join(", ");
}

export async function statusCommand(name: string, options: { core?: string; json?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const stack = await client.request<StackView>("GET", `/api/stacks/${encodeURIComponent(name)}`);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(stack, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines = [
    `${stack.name} on ${stack.server}: ${stack.state}${stack.stopped ? " (stopped on purpose)" : ""}`,
    `  deployed   ${short(stack.deployedCommit)}${stack.deployedAt ? ` at ${stack.deployedAt}` : ""}`,
    `  git        ${stackStanding(stack)}`,
    `  self-heal  ${stack.spec.reconcile.selfHeal ? "on" : "off"}, rollback ${stack.spec.reconcile.autoRollback ? "on" : "off"}; ${stack.heals.length} heal(s) in the last ${stack.spec.reconcile.healWindowMinutes} min (budget ${stack.spec.reconcile.healBudget})`,
  ];
  for (const reason of stack.drift ?? []) lines.push(`  drifted    ${reason.message}`);
  if (stack.healHold) lines.push(`  held       ${stack.healHold}`);
  if (stack.quarantine)
    lines.push(
      `  quarantine ${short(stack.quarantine.commit)} is not retried until a new push or a manual deploy: ${stack.quarantine.reason}`,
    );
  process.stdout.write(`${lines.join("\n")}\n`);
  return stack.drift || stack.healHold ? EXIT_FAILED : EXIT_OK;
}
