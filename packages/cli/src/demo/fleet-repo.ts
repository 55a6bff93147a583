// The demo's fleet repository: examples/homelab copied into the data dir and
// made a Git repository on first run, with the servers pointed at the demo's
// agents (address and certificate fingerprint). Stacks keep the defaults: a
// pull that cannot reach a registry is a warning, the images are local.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const GIT = ["-c", "user.name=Tugboat demo", "-c", "user.email=demo@tugboat.invalid", "-c", "commit.gpgsign=false"];

export async function prepareFleetRepo(options: {
  example: string;
  dir: string;
  /** Each server's agent: its address and the certificate fingerprint core is to trust. */
  agents: Record<string, { url: string; fingerprint: string }>;
}): Promise<void> {
  const git = (args: string[]) => execFileSync("git", [...GIT, "-C", options.dir, ...args], { stdio: "ignore" });
  if (!existsSync(join(options.dir, ".git"))) {
    await cp(options.example, options.dir, { recursive: true });
    execFileSync("git", [...GIT, "init", "--quiet", "--initial-branch=main", options.dir], { stdio: "ignore" });
  }
  const servers = join(options.dir, "syncs/servers.toml");
  // Each [[server]] block gets its agent's address and fingerprint; a block whose host has no agent
  // would be a real address on someone's network, so it is an error rather than a silent leftover.
  const blocks = (await readFile(servers, "utf8")).split(/(?=^\[\[server\]\])/m);
  const rewritten = blocks.map((block) => {
    const name = /^name = "([^"]+)"/m.exec(block)?.[1];
    if (!name) return block;
    const agent = options.agents[name];
    if (!agent) throw new Error(`the demo has no agent for server "${name}" in ${servers}`);
    return block
      .replace(/^fingerprint = "[^"]*"\n/m, "")
      .replace(/^address = "[^"]*"/m, `address = "${agent.url}"\nfingerprint = "${agent.fingerprint}"`);
  });
  await writeFile(servers, rewritten.join(""));
  git(["add", "--all"]);
  const dirty = execFileSync("git", ["-C", options.dir, "status", "--porcelain"], { encoding: "utf8" }).trim() !== "";
  if (dirty) git(["commit", "--quiet", "-m", "demo: point the servers at this run's agents"]);
}
