// The demo's fleet repository: examples/homelab copied into the data dir and
// made a Git repository on first run, with the server addresses pointed at the
// demo's agents and nothing pulled from a registry (its images are local).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const GIT = ["-c", "user.name=Tugboat demo", "-c", "user.email=demo@tugboat.invalid", "-c", "commit.gpgsign=false"];

export async function prepareFleetRepo(options: {
  example: string;
  dir: string;
  addresses: Record<string, string>;
}): Promise<void> {
  const git = (args: string[]) => execFileSync("git", [...GIT, "-C", options.dir, ...args], { stdio: "ignore" });
  if (!existsSync(join(options.dir, ".git"))) {
    await cp(options.example, options.dir, { recursive: true });
    execFileSync("git", [...GIT, "init", "--quiet", "--initial-branch=main", options.dir], { stdio: "ignore" });
    for (const file of ["stacks-hercules.toml", "stacks-apollo.toml", "stacks-oci-dmz.toml"]) {
      const path = join(options.dir, "syncs", file);
      const text = await readFile(path, "utf8");
      await writeFile(
        path,
        text.replaceAll(
          "[stack.config]\n",
          "[stack.config]\n# The demo's images are built locally: nothing to pull.\nauto_pull = false\n",
        ),
      );
    }
  }
  const servers = join(options.dir, "syncs/servers.toml");
  // Each [[server]] block gets its agent's address; a block whose host has no agent would be a
  // real address on someone's network, so it is an error rather than a silent leftover.
  const blocks = (await readFile(servers, "utf8")).split(/(?=^\[\[server\]\])/m);
  const rewritten = blocks.map((block) => {
    const name = /^name = "([^"]+)"/m.exec(block)?.[1];
    if (!name) return block;
    const address = options.addresses[name];
    if (!address) throw new Error(`the demo has no agent for server "${name}" in ${servers}`);
    return block.replace(/^address = "[^"]*"/m, `address = "${address}"`);
  });
  await writeFile(servers, rewritten.join(""));
  git(["add", "--all"]);
  const dirty = execFileSync("git", ["-C", options.dir, "status", "--porcelain"], { encoding: "utf8" }).trim() !== "";
  if (dirty) git(["commit", "--quiet", "-m", "demo: point the servers at this run's agents"]);
}
