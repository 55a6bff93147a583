#!/usr/bin/env node
// Bundles the agent into one file, tugboat-agent.mjs, that runs with a plain
// `node` (>= 20) and nothing else installed, and writes its SHA-256 next to
// it (tugboat-agent.mjs.sha256, as sha256sum prints it): core publishes that
// hash and agents check every upgrade against it.
//
//   node scripts/bundle-agent.mjs [--out DIR] [--version VERSION]
//
// Default: packages/agent/bundle/, at the agent package's version. A test
// makes "newer" builds with --version.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { out: { type: "string" }, version: { type: "string" } } });
const pkg = JSON.parse(await readFile(join(root, "packages/agent/package.json"), "utf8"));
const version = values.version ?? pkg.version;
const out = resolve(values.out ?? join(root, "packages/agent/bundle"));
const file = join(out, "tugboat-agent.mjs");
await mkdir(out, { recursive: true });

await build({
  entryPoints: [join(root, "packages/agent/src/main.ts")],
  outfile: file,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The workspace packages are bundled from their TypeScript sources.
  conditions: ["tugboat-source"],
  define: { __TUGBOAT_AGENT_VERSION__: JSON.stringify(version) },
  // ws's optional native speed-ups: absent, it uses its JavaScript paths.
  external: ["bufferutil", "utf-8-validate"],
  // Bundled CommonJS modules call require() for Node's built-ins.
  banner: {
    js: `// tugboat-agent ${version}: one file, run with node >= 20\nimport { createRequire as __tugCreateRequire } from "node:module";\nconst require = __tugCreateRequire(import.meta.url);`,
  },
  legalComments: "none",
  minify: true,
  logLevel: "warning",
});
const sha = createHash("sha256")
  .update(await readFile(file))
  .digest("hex");
await writeFile(`${file}.sha256`, `${sha}  tugboat-agent.mjs\n`);
await writeFile(join(out, "tugboat-agent.json"), `${JSON.stringify({ version, sha256: sha }, null, 2)}\n`);
console.log(`${file}: ${version}, sha256 ${sha}`);
