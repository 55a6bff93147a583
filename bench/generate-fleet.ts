// Generates a large fleet repository for benchmarks: N servers, M stacks, each
// stack in its own folder with a compose file, a shared bind-mounted file and
// per-stack environment, committed to a Git repository.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type GitRepo, gitRepo } from "@tugboat/testkit";

const COMPOSE = (i: number) => `services:
  app:
    image: local/busybox:1
    command: ["sh", "-c", "exec sleep 2147483647"]
    environment:
      INSTANCE: \${INSTANCE}
    volumes:
      - ../../../config/shared.yml:/etc/shared.yml:ro
      - data-${i}:/data
    healthcheck:
      test: ["CMD", "true"]
    restart: unless-stopped
    mem_limit: 64m
    security_opt:
      - no-new-privileges:true
volumes:
  data-${i}:
`;

export async function generateFleet(options: {
  servers: number;
  stacks: number;
}): Promise<{ repo: GitRepo; commit: string }> {
  const repo = await gitRepo();
  const servers: string[] = [];
  for (let s = 0; s < options.servers; s += 1) {
    servers.push(
      `[[server]]\nname = "host-${s}"\n[server.config]\naddress = "https://10.9.${s >> 8}.${s & 255}:8120"\nregion = "r${s % 3}"\nenabled = true\n`,
    );
  }
  await mkdir(join(repo.dir, "syncs"), { recursive: true });
  await mkdir(join(repo.dir, "config"), { recursive: true });
  await writeFile(join(repo.dir, "syncs/servers.toml"), servers.join("\n"));
  await writeFile(join(repo.dir, "syncs/variables.toml"), '[[variable]]\nname = "DOMAIN"\nvalue = "example.net"\n');
  await writeFile(join(repo.dir, "config/shared.yml"), "shared: true\n");
  const perServer = new Map<number, string[]>();
  for (let i = 0; i < options.stacks; i += 1) {
    const category = ["applications", "infrastructure", "monitoring"][i % 3] ?? "applications";
    const dir = `stacks/${category}/app-${i}`;
    await mkdir(join(repo.dir, dir), { recursive: true });
    await writeFile(join(repo.dir, dir, "compose.yaml"), COMPOSE(i));
    const server = i % options.servers;
    const after = i % 10 === 0 || i < 10 ? "" : `after = ["app-${i - (i % 10)}"]\n`;
    const list = perServer.get(server) ?? [];
    list.push(
      `[[stack]]\nname = "app-${i}"\n${after}[stack.config]\nserver = "host-${server}"\nrun_directory = "${dir}"\nenvironment = """\nINSTANCE=${i}\nURL=https://app-${i}.[[DOMAIN]]\n"""\n`,
    );
    perServer.set(server, list);
  }
  for (const [server, stacks] of perServer) {
    await writeFile(join(repo.dir, `syncs/stacks-host-${server}.toml`), stacks.join("\n"));
  }
  const commit = await repo.commit("generated fleet");
  return { repo, commit };
}
