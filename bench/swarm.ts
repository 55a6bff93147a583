// bench/swarm.ts: a swarm stack's redeploy through the agent (checkout, env
// files, `docker stack deploy`, the convergence gate) against the same
// `docker stack deploy` by hand followed by a wait for convergence, on a real
// 3-node swarm (private dockerds in their own network namespaces), side by
// side in one run. Each run changes the stack's environment, so both sides
// roll every service's tasks.
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { AgentConfig, startAgent } from "@tugboat/agent";
import { docker, dockerEnv, gitRepo, run, startSwarm, tempDir } from "@tugboat/testkit";
import { agentCall } from "./agent-process.js";
import { type BenchResult, median, writeResult } from "./result.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const service = (name: string) => `  ${name}:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    environment:
      VERSION: \${VERSION}
    deploy:
      replicas: 2
`;
const COMPOSE = `services:\n${service("web")}${service("worker")}`;

/** By hand: until every service of the stack runs its replicas and no update is in progress. */
async function converged(dockerHost: string, stack: string): Promise<void> {
  for (;;) {
    const ls = await docker(dockerHost, [
      "service",
      "ls",
      "--filter",
      `label=com.docker.stack.namespace=${stack}`,
      "--format",
      "{{.ID}} {{.Replicas}}",
    ]);
    const rows = ls.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" "));
    const ids = rows.map(([id]) => id ?? "");
    const full = rows.every(([, replicas]) => {
      const [have, want] = (replicas ?? "").split("/");
      return have === want;
    });
    if (full && ids.length > 0) {
      const states = await docker(dockerHost, [
        "service",
        "inspect",
        "--format",
        "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
        ...ids,
      ]);
      if (!states.stdout.includes("updating")) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function benchSwarm(): Promise<BenchResult> {
  const swarm = await startSwarm(["bench-manager", "bench-a", "bench-b"]);
  const repo = await gitRepo();
  const work = await tempDir("tug-bench-swarm-");
  const passkey = "bench-passkey";
  const agent = await startAgent(
    {
      ...AgentConfig.parse({
        port: 0,
        host: "127.0.0.1",
        root: join(work.path, "root"),
        docker_host: swarm.manager.dockerHost,
      }),
      passkey,
    },
    { log: () => {} },
  );
  try {
    await repo.write("compose.yaml", COMPOSE);
    const commit = await repo.commitAndPush("bench");
    await cp(join(repo.dir, "compose.yaml"), join(work.path, "compose.yaml"));
    const env = dockerEnv(swarm.manager.dockerHost);
    const viaAgent: number[] = [];
    const byHand: number[] = [];
    const deploy = (version: number) =>
      agentCall(agent.url, passkey, "POST", "/stacks/bench-agent/deploy", {
        repository: { url: repo.remote },
        commit,
        projectName: "bench-agent",
        mode: "swarm",
        environment: `VERSION=${version}\n`,
        timeoutSeconds: 300,
      });
    const hand = async (version: number) => {
      await run(["docker", "stack", "deploy", "--prune", "--with-registry-auth", "-c", "compose.yaml", "bench-hand"], {
        cwd: work.path,
        env: { ...env, VERSION: String(version) },
      });
      await converged(swarm.manager.dockerHost, "bench-hand");
    };
    // Warm-up: the agent's first deploy clones the mirror; both stacks exist before the timed runs.
    await deploy(0);
    await hand(0);
    for (let i = 1; i <= RUNS; i += 1) {
      let started = performance.now();
      const result = await deploy(i);
      viaAgent.push(performance.now() - started);
      if (!result.includes('"ok":true')) throw new Error(`agent deploy failed: ${result.slice(-500)}`);
      started = performance.now();
      await hand(i);
      byHand.push(performance.now() - started);
    }
    const agentMs = median(viaAgent);
    const handMs = median(byHand);
    return {
      name: "swarm",
      title: "swarm: a stack redeploy through Tugboat vs docker stack deploy by hand",
      command: "npx tsx --conditions=tugboat-source bench/swarm.ts",
      rows: [
        {
          metric: `docker stack deploy by hand + wait for convergence, 2 services × 2 replicas on 3 nodes, env changed (median of ${RUNS})`,
          value: `${handMs.toFixed(0)} ms`,
        },
        {
          metric: "the same through the agent (checkout, env files, deploy, convergence gate)",
          value: `${agentMs.toFixed(0)} ms`,
        },
        {
          metric: "ratio agent / by hand",
          value: `${(agentMs / handMs).toFixed(2)}×`,
          goal: "< 1.10",
          ok: agentMs / handMs < 1.1,
        },
      ],
    };
  } finally {
    await agent.close();
    await repo.cleanup();
    await swarm.stop();
    await work.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchSwarm();
  await writeResult(result);
  console.log(JSON.stringify(result, null, 2));
}
