// `tug doctor`: the fleet's health from core, one row per check, with the fix
// to try; exits 1 when any row fails.
import type { DoctorReport } from "@tugboat/protocol";
import { CoreClient } from "../core-client.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { table } from "../table.js";

export async function doctorCommand(options: { core?: string; json?: boolean; all?: boolean }): Promise<number> {
  const client = await CoreClient.from(options);
  const report = await client.request<DoctorReport>("GET", "/api/doctor");
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const shown = options.all ? report.rows : report.rows.filter((r) => r.status !== "ok");
    if (shown.length > 0)
      process.stdout.write(
        table([
          ["STATUS", "CHECK", "TARGET", "DETAIL", "FIX"],
          ...shown.map((r) => [r.status.toUpperCase(), r.check, r.target, r.detail, r.fix]),
        ]),
      );
    process.stdout.write(
      `${report.ok} ok, ${report.warn} warn, ${report.fail} fail${options.all ? "" : " (--all shows the ok rows too)"}\n`,
    );
  }
  return report.fail > 0 ? EXIT_FAILED : EXIT_OK;
}
