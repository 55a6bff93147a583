// `tug exec STACK SERVICE [-- COMMAND…]`: a shell (or a command) in the
// service's running container, through core (admins). The terminal is put in
// raw mode when it is one and resized with its window; piped input ends with
// Ctrl-D. Exits with the command's exit code.
import type { ShellTicketView } from "@tugboat/protocol";
import { WebSocket } from "ws";
import { CoreClient, RemoteError } from "../core-client.js";

export async function execCommand(
  stack: string,
  service: string,
  command: string[],
  options: { core?: string },
): Promise<number> {
  const client = await CoreClient.from(options);
  const { path } = await client.request<ShellTicketView>("POST", `/api/stacks/${encodeURIComponent(stack)}/shell`, {
    service,
    ...(command.length > 0 ? { command } : {}),
  });
  const ws = new WebSocket(`${client.core.replace(/^http/, "ws").replace(/\/$/, "")}${path}`);
  const stdin = process.stdin;
  const size = () =>
    ws.send(JSON.stringify({ type: "resize", cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  if (process.stdout.isTTY) {
    size();
    process.stdout.on("resize", size);
  }
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on("data", (chunk: Buffer) => ws.send(chunk, { binary: true }));
  // Piped input: its end is the shell's Ctrl-D.
  stdin.on("end", () => ws.send(Buffer.from([4]), { binary: true }));
  stdin.resume();
  ws.on("message", (data, binary) => {
    if (binary) process.stdout.write(data as Buffer);
  });
  const { code, reason } = await new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (closeCode, closeReason) => resolve({ code: closeCode, reason: String(closeReason) })),
  );
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  if (code !== 1000)
    throw new RemoteError(code === 4403 ? "E_FORBIDDEN" : "E_AGENT_ERROR", reason || `closed (${code})`);
  const exit = (() => {
    try {
      return (JSON.parse(reason) as { exitCode: number | null }).exitCode;
    } catch {
      return null;
    }
  })();
  return exit ?? 1;
}
