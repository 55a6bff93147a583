// Facts about this host for /info.

import { readFile } from "node:fs/promises";
import { arch, cpus, hostname, release, totalmem, type } from "node:os";
import type { AgentInfo } from "@tugboat/protocol";
import type { ComposeRunner } from "../compose/runner.js";
import type { DockerEngine } from "../docker/engine.js";

async function osName(): Promise<string> {
  const text = await readFile("/etc/os-release", "utf8").catch(() => "");
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? type();
}

export async function hostInfo(options: {
  engine: DockerEngine;
  compose: () => Promise<ComposeRunner | undefined>;
  agentVersion: string;
}): Promise<AgentInfo> {
  const [docker, compose, os, engineInfo] = await Promise.all([
    options.engine.version(),
    options.compose(),
    osName(),
    options.engine.json<{ Name?: string }>("GET", "/info"),
  ]);
  return {
    hostname: hostname(),
    dockerName: engineInfo.Name ?? "",
    os,
    kernel: release(),
    arch: arch(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    dockerVersion: docker.Version,
    dockerApiVersion: docker.ApiVersion,
    compose: compose ? { kind: compose.kind, version: compose.version } : null,
    agentVersion: options.agentVersion,
    // Taken last, right before the reply: core compares it with the middle of its request.
    time: new Date().toISOString(),
  };
}
