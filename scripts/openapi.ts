// Writes docs/openapi.json and the route table of docs/api.md from the routes
// of a real core (the document is generated from the routes' zod schemas).
// A test compares both with what a core serves: run `npm run openapi` after
// changing a route.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoreConfig, startCore } from "@tugboat/core";

interface Operation {
  summary?: string;
  description?: string;
  "x-tugboat-access"?: string | { role: string } | { kind: string; level: string; specific?: string };
}

/** The access column: who may call the route. */
function accessOf(path: string, op: Operation): string {
  const access = op["x-tugboat-access"];
  if (access === undefined) return path.startsWith("/webhooks") ? "signature" : "public";
  if (typeof access === "string") return access;
  if ("role" in access) return access.role;
  return `${access.level}${access.specific ? `+${access.specific}` : ""} on ${access.kind}`;
}

const root = new URL("../", import.meta.url);
const data = await mkdtemp(join(tmpdir(), "tug-openapi-"));
const core = await startCore(
  await loadCoreConfig({ env: {}, overrides: { port: 0, host: "127.0.0.1", data_dir: data } }),
  {
    log: () => {},
  },
);
try {
  const doc = (await (await fetch(`${core.url}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  await writeFile(new URL("docs/openapi.json", root), `${JSON.stringify(doc, null, 2)}\n`);
  const rows = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) => `| \`${method.toUpperCase()} ${path}\` | ${accessOf(path, op)} | ${op.summary ?? ""} |`,
    ),
  );
  const table = ["| route | access | what |", "| --- | --- | --- |", ...rows].join("\n");
  const file = new URL("docs/api.md", root);
  const text = await readFile(file, "utf8");
  const start = "<!-- routes:start (npm run openapi) -->";
  const end = "<!-- routes:end -->";
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`docs/api.md lacks the ${start} … ${end} markers`);
  await writeFile(file, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
  console.log(`wrote docs/openapi.json and the table in docs/api.md (${rows.length} routes)`);
} finally {
  await core.close();
  await rm(data, { recursive: true, force: true });
}
