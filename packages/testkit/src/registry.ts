// A real registry for tests: Debian's docker-registry (distribution 2.8) on
// 127.0.0.1 with its own storage, optionally behind htpasswd basic auth. Its
// access log is parsed, so a test counts the requests the registry really
// served. Private dockerds trust it without settings: Docker treats
// 127.0.0.0/8 registries as insecure (plain HTTP) by default.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { type PushedImage, type PushOptions, pushImage } from "./registry-push.js";
import { freePort, startService } from "./service.js";
import { tempDir } from "./temp-dir.js";
import { waitFor } from "./wait.js";

export interface RegistryRequest {
  method: string;
  path: string;
  status: number;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  url: string;
  /** Every request the registry logged since it started, in order. */
  requests(): RegistryRequest[];
  /** Resolves once the log has been still for a moment: a line is written just after its reply is sent. */
  quiet(): Promise<void>;
  /** Pushes an image built from the testkit's busybox to `repository:tag` over the distribution API. */
  push(repository: string, tag: string, options?: PushOptions): Promise<PushedImage>;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Basic auth through an htpasswd file: every request needs these credentials. */
  auth?: { username: string; password: string };
}

const ACCESS_LINE = /"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP\/[\d.]+" (\d{3})/g;

/** Stops the registry when the process that started it dies, even by SIGKILL. */
function watchdog(pid: number): void {
  const child = spawn(
    "sh",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill "$2" 2>/dev/null',
      "tug-registry-watchdog",
      String(process.pid),
      String(pid),
    ],
    {
      detached: true,
      stdio: "ignore",
    },
  );
  child.unref();
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await tempDir("tug-registry-");
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = options.auth
    ? `auth:\n  htpasswd:\n    realm: tugboat-test\n    path: ${join(dir.path, "htpasswd")}\n`
    : "";
  if (options.auth)
    await writeFile(
      join(dir.path, "htpasswd"),
      `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 10)}\n`,
    );
  const config = join(dir.path, "config.yml");
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir.path, "data")}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${auth}`,
  );
  const service = await startService({ argv: ["docker-registry", "serve", config], env: process.env, ready: /./ });
  const url = `http://${host}`;
  await waitFor(async () => [200, 401].includes((await fetch(`${url}/v2/`)).status), {
    what: `the registry at ${url} to answer`,
    timeoutMs: 30_000,
  });
  if (service.pid) watchdog(service.pid);
  return {
    host,
    url,
    requests: () =>
      [...service.output().matchAll(ACCESS_LINE)].map((m) => ({
        method: m[1] ?? "",
        path: m[2] ?? "",
        status: Number(m[3]),
      })),
    async quiet() {
      for (let seen = -1; seen !== service.output().length; ) {
        seen = service.output().length;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    },
    push: (repository, tag, push = {}) =>
      pushImage({ url, repository, tag, ...(options.auth ? { auth: options.auth } : {}), ...push }),
    async stop() {
      await service.stop();
      await dir.cleanup();
    },
  };
}
