// A base image with Node.js and git, for building the core image in tests
// without a registry: the busybox root filesystem plus this machine's node,
// git (with git-core) and the shared libraries they and core's native modules
// link, `docker import`ed.
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DOCKERD_ROOT } from "./dockerd.js";
import { docker, run } from "./exec.js";
import { busyboxRootfs } from "./image.js";

const NODE_BASE_IMAGE = "local/node-git:20";

/** The shared libraries `binaries` link, as absolute paths (ldd's view). */
async function libraries(binaries: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const binary of binaries) {
    const { stdout } = await run(["ldd", binary]);
    for (const match of stdout.matchAll(/(\/\S+\.so[.\d]*)/g)) if (match[1]) found.add(match[1]);
  }
  return [...found];
}

async function buildRootfs(nativeModules: string[]): Promise<string> {
  const tar = join(DOCKERD_ROOT, `node-git-rootfs-${process.pid}.tar`);
  const root = join(DOCKERD_ROOT, `node-rootfs-${process.pid}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await run(["tar", "-C", root, "-xf", await busyboxRootfs()]);
  const node = process.execPath;
  await mkdir(join(root, "usr/local/bin"), { recursive: true });
  await copyFile(node, join(root, "usr/local/bin/node"));
  await chmod(join(root, "usr/local/bin/node"), 0o755);
  await mkdir(join(root, "usr/bin"), { recursive: true });
  await copyFile("/usr/bin/git", join(root, "usr/bin/git"));
  await chmod(join(root, "usr/bin/git"), 0o755);
  // cp -a keeps git-core's hard links (most of its commands are one file).
  await mkdir(join(root, "usr/lib"), { recursive: true });
  await run(["cp", "-a", "/usr/lib/git-core", join(root, "usr/lib/")]);
  for (const lib of await libraries([node, "/usr/bin/git", ...nativeModules])) {
    await mkdir(join(root, dirname(lib)), { recursive: true });
    await copyFile(lib, join(root, lib)); // copyFile follows the library's symlink
  }
  await run(["tar", "-C", root, "-cf", tar, "."]);
  await rm(root, { recursive: true, force: true });
  return tar;
}

/**
 * Makes sure NODE_BASE_IMAGE exists on the daemon at `dockerHost`.
 * `nativeModules`: .node files whose libraries the image must hold too.
 */
export async function ensureNodeImage(dockerHost: string, nativeModules: string[] = []): Promise<string> {
  const inspect = await docker(dockerHost, ["image", "inspect", NODE_BASE_IMAGE], { allowFailure: true });
  if (inspect.exitCode === 0) return NODE_BASE_IMAGE;
  for (const file of ["/usr/bin/git", "/usr/lib/git-core"])
    if (!existsSync(file)) throw new Error(`${file} is missing: install git (apt-get install -y git)`);
  const tar = await buildRootfs(nativeModules);
  try {
    await docker(dockerHost, [
      "import",
      "--change",
      "ENV PATH=/usr/local/bin:/usr/bin:/bin",
      "--change",
      'CMD ["node"]',
      tar,
      NODE_BASE_IMAGE,
    ]);
  } finally {
    await rm(tar, { force: true });
  }
  return NODE_BASE_IMAGE;
}
