// A host behind NAT, for outbound agents: a network namespace joined to the
// machine by one veth, whose firewall drops every connection it did not open
// itself (as a home router does). A process started in it (`nsenter`) can dial
// the machine's side of the veth; nothing on the machine can dial into it.
// `cut()` drops every packet (a cable pulled), `restore()` undoes that.
import { createConnection } from "node:net";
import { run } from "./exec.js";

export interface EdgeNamespace {
  /** `/run/netns/<name>`, for `nsenter --net=`. */
  path: string;
  /** The machine's address on the veth: where a process in the namespace reaches core. */
  gateway: string;
  /** The namespace's own address. */
  address: string;
  /** argv prefix that runs a command in the namespace. */
  enter: string[];
  /** Whether a TCP connection from the machine to `address:port` is refused or times out (it should). */
  reachableFromMachine(port: number, timeoutMs?: number): Promise<boolean>;
  cut(): Promise<void>;
  restore(): Promise<void>;
  remove(): Promise<void>;
}

export async function startEdgeNamespace(label: string): Promise<EdgeNamespace> {
  const id = process.pid % 250;
  const name = `tugedge-${label}-${process.pid}`.slice(0, 30);
  const veth = `tge${process.pid}`.slice(0, 15);
  const [gateway, address] = [`10.198.${id}.1`, `10.198.${id}.2`];
  const path = `/run/netns/${name}`;
  const enter = ["nsenter", `--net=${path}`];
  const inside = (argv: string[]) => run([...enter, ...argv]);
  const remove = async () => {
    await run(["ip", "link", "delete", veth], { allowFailure: true });
    await run(["ip", "netns", "delete", name], { allowFailure: true });
  };
  await remove();
  await run(["ip", "netns", "add", name]);
  try {
    await run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name]);
    await run(["ip", "addr", "add", `${gateway}/24`, "dev", veth]);
    await run(["ip", "link", "set", veth, "up"]);
    await run(["ip", "-n", name, "addr", "add", `${address}/24`, "dev", "eth0"]);
    await run(["ip", "-n", name, "link", "set", "eth0", "up"]);
    await run(["ip", "-n", name, "link", "set", "lo", "up"]);
    // Replies to what the namespace opened come back; nothing else does.
    await inside([
      "iptables",
      "-A",
      "INPUT",
      "-i",
      "eth0",
      "-m",
      "conntrack",
      "--ctstate",
      "ESTABLISHED,RELATED",
      "-j",
      "ACCEPT",
    ]);
    await inside(["iptables", "-A", "INPUT", "-i", "eth0", "-j", "DROP"]);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    path,
    gateway,
    address,
    enter,
    reachableFromMachine: (port, timeoutMs = 2000) =>
      new Promise((resolve) => {
        const socket = createConnection({ host: address, port, timeout: timeoutMs });
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("timeout", () => {
          socket.destroy();
          resolve(false);
        });
        socket.once("error", () => resolve(false));
      }),
    async cut() {
      await inside(["iptables", "-I", "INPUT", "1", "-i", "eth0", "-j", "DROP"]);
      await inside(["iptables", "-I", "OUTPUT", "1", "-o", "eth0", "-j", "DROP"]);
    },
    async restore() {
      await inside(["iptables", "-D", "INPUT", "-i", "eth0", "-j", "DROP"]);
      await inside(["iptables", "-D", "OUTPUT", "-o", "eth0", "-j", "DROP"]);
    },
    remove,
  };
}
