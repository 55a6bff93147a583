#!/usr/bin/env node
// Stages the core image's build context in build/core-image/: the built
// packages (npm run build first), the production dependencies only (as
// `npm ls --omit=dev` lists them; native modules without their sources) and
// deploy/docker/Dockerfile. No registry is needed to build the image from it:
//
//   npm run build && node scripts/stage-core.mjs && docker build -t tugboat build/core-image
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "build/core-image"));
const app = join(out, "app");
/** Every workspace but the test harness: read from package.json, so a new package is not left behind. */
const WORKSPACES = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
  .workspaces.map((path) => path.replace(/^packages\//, ""))
  .filter((name) => name !== "testkit");
/** What each workspace needs at run time, besides package.json. */
const SHIPPED = { config: ["dist", "schema"], agent: ["dist", "bundle"], cli: ["dist", "bin"], web: ["dist"] };
/** Sources and build leftovers of native modules: the compiled .node file is what runs. */
const DROP = [
  /\/better-sqlite3\/(deps|src|build\/(deps|Release\/(obj|obj\.target|\.deps|test_extension\.node)))(\/|$)/,
];

for (const name of WORKSPACES) {
  for (const part of SHIPPED[name] ?? ["dist"])
    if (!existsSync(join(root, "packages", name, part)))
      throw new Error(`packages/${name}/${part} is missing: run npm run build first`);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(app, { recursive: true });
cpSync(join(root, "package.json"), join(app, "package.json"));
for (const name of WORKSPACES) {
  const from = join(root, "packages", name);
  const to = join(app, "packages", name);
  mkdirSync(to, { recursive: true });
  cpSync(join(from, "package.json"), join(to, "package.json"));
  for (const part of SHIPPED[name] ?? ["dist"])
    cpSync(join(from, part), join(to, part), { recursive: true, filter: (src) => !src.endsWith(".tsbuildinfo") });
}
const listed = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable", "--workspace", "@tugboat/cli"], {
  cwd: root,
  encoding: "utf8",
  maxBuffer: 16 * 1024 * 1024,
})
  .split("\n")
  .map((line) => relative(root, line.trim()))
  .filter((path) => path.includes("node_modules/"));
for (const path of new Set(listed)) {
  const workspace = /^node_modules\/@tugboat\/([a-z-]+)$/.exec(path)?.[1];
  const target = join(app, path);
  mkdirSync(dirname(target), { recursive: true });
  if (workspace) {
    // The workspace link, as npm makes it.
    if (!existsSync(target)) symlinkSync(`../../packages/${workspace}`, target);
    continue;
  }
  cpSync(join(root, path), target, {
    recursive: true,
    dereference: false,
    filter: (src) =>
      !DROP.some((drop) => drop.test(src)) && !/\/node_modules\/(@[^/]+\/)?[^/]+\/node_modules$/.test(src),
  });
}
cpSync(join(root, "deploy/docker/Dockerfile"), join(out, "Dockerfile"));
cpSync(join(root, "deploy/docker/dockerignore"), join(out, ".dockerignore"));
const size = execFileSync("du", ["-sh", app], { encoding: "utf8" }).split("\t")[0];
console.log(`${out}: ${size} (app), Dockerfile`);
