// One measurement of bench/plan.ts, in its own process so peak memory is its own.
// argv: <mode: baseline | tugboat> <repository> <commit>

import { GitCommitSource, loadFleet, planFleet } from "@tugboat/config";
import { load as parseYaml } from "js-yaml";
import { parseTOML } from "toml-eslint-parser";

const [mode, repository = "", commit = ""] = process.argv.slice(2);
const started = performance.now();
const source = await GitCommitSource.open({ repository, revision: commit });
let detail: Record<string, number>;
if (mode === "baseline") {
  // The floor: read every resource and compose file and parse it, checking nothing.
  const paths = [...(await source.files("")).keys()].filter((p) => p.endsWith(".toml") || p.endsWith(".yaml"));
  await Promise.all(
    paths.map(async (path) => {
      const text = await source.readText(path);
      if (path.endsWith(".toml")) parseTOML(text);
      else parseYaml(text);
    }),
  );
  detail = { files: paths.length };
} else {
  const { fleet, errors } = await loadFleet(source);
  if (errors.length > 0) throw new Error(`generated fleet has ${errors.length} errors: ${errors[0]?.message}`);
  const plan = planFleet(fleet);
  detail = { stacks: fleet.stacks.length, servers: fleet.servers.length, deploys: plan.deploys.length };
}
await source.close();
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ mode, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, ...detail })}\n`);
