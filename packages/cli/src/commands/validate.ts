// `tug validate [DIR]`: checks a fleet repository; exit 0 clean or warnings only, 1 errors.
import { formatDiagnostic, loadFleet } from "@tugboat/config";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { type FleetReadOptions, fleetOptions, noteUnusedRepos, openSource } from "./source.js";

export interface ValidateOptions extends FleetReadOptions {
  json?: boolean;
  lint?: boolean;
}

/** `lints off: 12 findings (latest_image 5, no_healthcheck 7); …`, or "" when nothing was held back. */
export function lintSummary(suppressed: Readonly<Record<string, number>>): string {
  const entries = Object.entries(suppressed);
  if (entries.length === 0) return "";
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  const list = entries.map(([lint, n]) => `${lint} ${n}`).join(", ");
  return `lints off: ${total} finding(s) (${list}); show them with --lint, or turn lints on in tugboat.toml [lint]\n`;
}

export async function validateCommand(dir: string, options: ValidateOptions): Promise<number> {
  const { load, unusedRepos } = await fleetOptions(dir, options);
  const source = await openSource(dir, options.commit);
  try {
    const { errors, warnings, fleet, suppressedLints } = await loadFleet(source, {
      ...load,
      ...(options.lint ? { lint: true } : {}),
    });
    noteUnusedRepos(unusedRepos());
    if (options.json) {
      const strip = ({ severity: _s, ...item }: (typeof errors)[number]) => item;
      process.stdout.write(
        `${JSON.stringify({ errors: errors.map(strip), warnings: warnings.map(strip), suppressedLints }, null, 2)}\n`,
      );
    } else {
      for (const item of [...errors, ...warnings]) process.stdout.write(`${formatDiagnostic(item)}\n`);
      process.stdout.write(lintSummary(suppressedLints));
      const counts = `${fleet.servers.length} servers, ${fleet.stacks.length} stacks`;
      process.stdout.write(
        errors.length > 0
          ? `${errors.length} error(s), ${warnings.length} warning(s) in ${source.label}\n`
          : `ok: ${counts}, ${warnings.length} warning(s) in ${source.label}\n`,
      );
    }
    return errors.length > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    await source.close();
  }
}
