// Enforces the package dependency rule: cli → core/agent → config/protocol,
// config → protocol (the wire rules validation mirrors), git (a leaf every package may use), link (the outbound link's wire, for core and agent), web → protocol, testkit → nothing; nothing imports cli; no deep imports into
// another package, no relative paths that leave a package.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

const ALLOWED = {
  git: [],
  config: ["git", "protocol"],
  protocol: [],
  link: [],
  testkit: [],
  agent: ["config", "git", "link", "protocol"],
  core: ["config", "git", "link", "protocol"],
  cli: ["agent", "config", "core", "git", "link", "protocol"],
  web: ["protocol"],
};
// Tests and benches may also use the harness.
const TEST_EXTRA = ["testkit"];

const root = resolve(import.meta.dirname, "..");
const problems = [];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry)) yield path;
  }
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

for (const [pkg, allowed] of Object.entries(ALLOWED)) {
  const pkgDir = join(root, "packages", pkg);
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
    .filter((name) => name.startsWith("@tugboat/"))
    .map((name) => name.slice("@tugboat/".length));
  for (const dep of declared) {
    if (!allowed.includes(dep))
      problems.push(`packages/${pkg}/package.json: @tugboat/${pkg} must not depend on @tugboat/${dep}`);
  }
  for (const file of sourceFiles(pkgDir)) {
    const rel = relative(root, file);
    const isTest = /\.test\.tsx?$/.test(file) || rel.includes(`${sep}test${sep}`);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = match[1];
      if (spec.startsWith("@tugboat/")) {
        const [, name, ...deep] = spec.split("/");
        if (deep.length > 0) problems.push(`${rel}: deep import "${spec}"; import from "@tugboat/${name}"`);
        const ok = name === pkg || allowed.includes(name) || (isTest && TEST_EXTRA.includes(name));
        if (!ok) problems.push(`${rel}: @tugboat/${pkg} must not import "${spec}"`);
        else if (name !== pkg && !isTest && !declared.includes(name))
          problems.push(`${rel}: imports "${spec}" but packages/${pkg}/package.json does not declare it`);
      } else if (spec.startsWith(".")) {
        const target = resolve(file, "..", spec);
        if (!target.startsWith(pkgDir + sep)) problems.push(`${rel}: relative import "${spec}" leaves packages/${pkg}`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`package boundary check failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`package boundaries ok (${Object.keys(ALLOWED).length} packages)`);
