// A Compose project's containers as the agent reports them, found by the
// `com.docker.compose.project` label, never by name.
import type { ContainerStatus } from "@tugboat/protocol";
import type { DockerEngine } from "./engine.js";

export const SKIP_LABELS = ["tugboat.skip", "komodo.skip"] as const;

export interface ProjectContainer extends ContainerStatus {
  restartPolicy: string;
  tty: boolean;
}

/** The project's containers as listed (one request): id, service and labels, no state. */
export async function projectSummaries(engine: DockerEngine, project: string) {
  const summaries = await engine.listContainers({ all: true, labels: [`com.docker.compose.project=${project}`] });
  return summaries.filter((s) => s.Labels["com.docker.compose.oneoff"] !== "True");
}

export async function projectContainers(engine: DockerEngine, project: string): Promise<ProjectContainer[]> {
  // Services of a project often share an image: each is inspected once.
  const images = new Map<string, ReturnType<DockerEngine["inspectImage"]>>();
  const inspectImage = (id: string) => {
    let pending = images.get(id);
    if (!pending) {
      pending = engine.inspectImage(id);
      images.set(id, pending);
    }
    return pending;
  };
  const containers = await Promise.all(
    (await projectSummaries(engine, project)).map(async (summary) => {
      const inspect = await engine.inspectContainer(summary.Id).catch(() => undefined);
      if (!inspect) return undefined;
      const image = await inspectImage(inspect.Image).catch(() => undefined);
      const health = inspect.State.Health?.Status;
      const labels = inspect.Config.Labels ?? {};
      const container: ProjectContainer = {
        service: summary.Labels["com.docker.compose.service"] ?? "",
        name: inspect.Name.replace(/^\//, ""),
        id: inspect.Id,
        state: inspect.State.Status,
        health: health === "healthy" || health === "unhealthy" || health === "starting" ? health : "none",
        exitCode: inspect.State.ExitCode,
        image: inspect.Config.Image,
        imageDigest: image?.RepoDigests?.[0]?.split("@")[1] ?? image?.Id ?? "",
        created: inspect.Created,
        restartCount: inspect.RestartCount,
        skip: SKIP_LABELS.some((label) => label in labels),
        configHash: labels["com.docker.compose.config-hash"] ?? "",
        failingStreak: inspect.State.Health?.FailingStreak ?? 0,
        imageId: inspect.Image,
        repoDigests: image?.RepoDigests ?? [],
        platform: image ? [image.Os, image.Architecture, image.Variant].filter(Boolean).join("/") : "",
        restartPolicy: inspect.HostConfig.RestartPolicy?.Name ?? "",
        tty: inspect.Config.Tty,
      };
      return container;
    }),
  );
  return containers
    .filter((c): c is ProjectContainer => c !== undefined)
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}
