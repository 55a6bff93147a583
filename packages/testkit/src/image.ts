// Builds the few images tests need from files on this machine, never from a
// registry: a root filesystem holding Debian's busybox-static, `docker import`ed.
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DOCKERD_ROOT } from "./dockerd.js";
import { docker, run } from "./exec.js";

export const BUSYBOX_IMAGE = "local/busybox:1";
const BUSYBOX_BINARY = "/bin/busybox";

let rootfsTar: Promise<string> | undefined;

async function buildBusyboxRootfs(): Promise<string> {
  if (!existsSync(BUSYBOX_BINARY)) {
    throw new Error(
      `${BUSYBOX_BINARY} is missing: install Debian's busybox-static (apt-get install -y busybox-static)`,
    );
  }
  const tar = join(DOCKERD_ROOT, "busybox-rootfs.tar");
  if (existsSync(tar)) return tar;
  const root = join(DOCKERD_ROOT, `rootfs-${process.pid}`);
  await rm(root, { recursive: true, force: true });
  for (const dir of ["bin", "etc", "tmp", "root", "var/www"]) await mkdir(join(root, dir), { recursive: true });
  await copyFile(BUSYBOX_BINARY, join(root, "bin/busybox"));
  await chmod(join(root, "bin/busybox"), 0o755);
  const { stdout } = await run([BUSYBOX_BINARY, "--list"]);
  for (const applet of stdout.split("\n")) {
    if (applet && applet !== "busybox") await symlink("busybox", join(root, "bin", applet));
  }
  await writeFile(
    join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
  );
  await writeFile(join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  await chmod(join(root, "tmp"), 0o1777);
  const partial = `${tar}.${process.pid}`;
  await run(["tar", "-C", root, "-cf", partial, "."]);
  await rename(partial, tar);
  await rm(root, { recursive: true, force: true });
  return tar;
}

/** The busybox root filesystem as a tar file, built once per machine. */
export function busyboxRootfs(): Promise<string> {
  rootfsTar ??= buildBusyboxRootfs();
  return rootfsTar;
}

/** Makes sure `ref` exists on the daemon at `dockerHost`, building it locally when missing. */
export async function ensureImage(dockerHost: string, ref: string = BUSYBOX_IMAGE): Promise<void> {
  if (ref !== BUSYBOX_IMAGE) throw new Error(`ensureImage knows how to build only ${BUSYBOX_IMAGE}, not ${ref}`);
  const inspect = await docker(dockerHost, ["image", "inspect", ref], { allowFailure: true });
  if (inspect.exitCode === 0) return;
  const tar = await busyboxRootfs();
  await docker(dockerHost, ["import", "--change", 'CMD ["sh"]', tar, ref]);
}
