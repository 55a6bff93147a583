// Whether this machine can run Docker-backed tests, and why not.
import { execFileSync } from "node:child_process";

/** Whether `command` is on PATH (a tool a test needs: age, ansible-playbook, …). */
export function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A reason Docker-backed tests cannot run here, or undefined when they can. */
export function dockerUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return `private dockerd needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return "private dockerd needs root (run the tests as root)";
  for (const [command, pkg] of [
    ["dockerd", "docker.io"],
    ["docker", "docker.io"],
    ["git", "git"],
  ] as const) {
    if (!onPath(command)) return `${command} is not installed (apt-get install -y ${pkg})`;
  }
  return undefined;
}
