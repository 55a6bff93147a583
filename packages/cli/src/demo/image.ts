// The demo's one image, local/busybox:1, made by `docker import` of a root
// filesystem holding Debian's busybox-static: nothing is pulled from a registry.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function ensureBusyboxImage(dockerHost: string): void {
  const env = { ...process.env, DOCKER_HOST: dockerHost };
  try {
    execFileSync("docker", ["image", "inspect", "local/busybox:1"], { env, stdio: "ignore" });
    return;
  } catch {
    // not there yet: build it
  }
  if (!existsSync("/bin/busybox")) throw new Error("/bin/busybox is missing: apt-get install -y busybox-static");
  const root = mkdtempSync(join(tmpdir(), "tug-demo-rootfs-"));
  try {
    for (const dir of ["bin", "etc", "tmp", "root"]) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync("/bin/busybox", join(root, "bin/busybox"));
    chmodSync(join(root, "bin/busybox"), 0o755);
    for (const applet of execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n")) {
      if (applet && applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
    }
    writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    chmodSync(join(root, "tmp"), 0o1777);
    const tar = execFileSync("tar", ["-C", root, "-c", "."], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync("docker", ["import", "--change", 'CMD ["sh"]', "-", "local/busybox:1"], {
      env,
      input: tar,
      stdio: ["pipe", "ignore", "inherit"],
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
