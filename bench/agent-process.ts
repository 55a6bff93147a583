// bench/agent-process.ts: talking to a real `tug agent` process from a
// benchmark: a call with its passkey (its self-signed certificate accepted:
// the benchmark started it), and its resident memory.
import { readFile } from "node:fs/promises";
import { request } from "node:https";

export function agentCall(url: string, passkey: string, method: string, path: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${passkey}`, ...(body ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve(text));
      },
    );
    req.on("error", reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
