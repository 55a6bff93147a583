// Networks declared in TOML, created by core through an agent before the
// stacks that use them, and never removed while in use: a swarm's overlay and
// macvlan networks, and a standalone server's bridge and macvlan networks.
import { isIPv4 } from "node:net";
import { z } from "zod";

/** Docker's network and label name rules, kept to what every engine accepts. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseCidr(text: string): { base: number; bits: number } | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  if (!match || !isIPv4(match[1] ?? "")) return undefined;
  const bits = Number(match[2]);
  if (bits > 32) return undefined;
  const base = (match[1] ?? "").split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return { base, bits };
}

function ipNumber(text: string): number | undefined {
  return isIPv4(text) ? text.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0) : undefined;
}

/** Whether `inner` (an address or a CIDR) lies in `outer` (a CIDR). */
export function insideCidr(inner: string, outer: string): boolean {
  const net = parseCidr(outer);
  const range =
    parseCidr(inner) ?? (ipNumber(inner) !== undefined ? { base: ipNumber(inner) ?? 0, bits: 32 } : undefined);
  if (!net || !range || range.bits < net.bits) return false;
  const size = 2 ** (32 - net.bits);
  const start = Math.floor(net.base / size) * size;
  return range.base >= start && range.base < start + size;
}

const Cidr = z
  .string()
  .default("")
  .refine((v) => v === "" || parseCidr(v) !== undefined, "must be an IPv4 subnet such as 172.20.20.0/24");
const Address = z
  .string()
  .default("")
  .refine((v) => v === "" || isIPv4(v), "must be an IPv4 address such as 172.20.20.1");

/** Addressing of a network on one node (macvlan), or of the whole network. */
const Addressing = {
  subnet: Cidr,
  gateway: Address,
  /** The part of the subnet Docker hands out (`--ip-range`): on macvlan, keep it clear of your DHCP server. */
  ip_range: Cidr,
};

function checkAddressing(
  value: { subnet: string; gateway: string; ip_range: string },
  ctx: z.RefinementCtx,
  at: Array<string | number> = [],
) {
  if (!value.subnet) {
    if (value.gateway) ctx.addIssue({ code: "custom", path: [...at, "gateway"], message: "a gateway needs a subnet" });
    if (value.ip_range)
      ctx.addIssue({ code: "custom", path: [...at, "ip_range"], message: "an ip_range needs a subnet" });
    return;
  }
  if (value.gateway && parseCidr(value.subnet) && !insideCidr(value.gateway, value.subnet))
    ctx.addIssue({
      code: "custom",
      path: [...at, "gateway"],
      message: `gateway ${value.gateway} is not in subnet ${value.subnet}`,
    });
  if (value.ip_range && parseCidr(value.subnet) && !insideCidr(value.ip_range, value.subnet))
    ctx.addIssue({
      code: "custom",
      path: [...at, "ip_range"],
      message: `ip_range ${value.ip_range} is not in subnet ${value.subnet}`,
    });
}

const MacvlanNode = z.object({ parent: z.string().default(""), ...Addressing }).strict();

/**
 * A network a swarm's stacks use, created outside them so it outlives them.
 * Overlay: one network across the nodes. Macvlan: on the nodes listed only,
 * each with its own parent interface and addresses (a `--config-only` network
 * per node and one swarm network `--config-from` them).
 */
export const SwarmNetwork = z
  .object({
    name: z.string().regex(NETWORK_NAME, "must be a Docker network name: letters, digits, '_', '.', '-'"),
    driver: z.enum(["overlay", "macvlan"]).default("overlay"),
    ...Addressing,
    attachable: z.boolean().default(false),
    encrypted: z.boolean().default(false),
    /** Macvlan: the parent interface for nodes that do not name their own. */
    parent: z.string().default(""),
    /** Macvlan: the nodes (by hostname) it exists on, with their own parent and addresses. */
    nodes: z.record(z.string(), MacvlanNode).default({}),
  })
  .strict()
  .superRefine((network, ctx) => {
    checkAddressing(network, ctx);
    if (network.driver === "overlay") {
      if (Object.keys(network.nodes).length > 0)
        ctx.addIssue({
          code: "custom",
          path: ["nodes"],
          message: "nodes is for macvlan networks; an overlay spans the swarm",
        });
      if (network.parent) ctx.addIssue({ code: "custom", path: ["parent"], message: "parent is for macvlan networks" });
      return;
    }
    if (network.encrypted)
      ctx.addIssue({ code: "custom", path: ["encrypted"], message: "only overlay networks are encrypted" });
    if (Object.keys(network.nodes).length === 0)
      ctx.addIssue({
        code: "custom",
        path: ["nodes"],
        message:
          'a macvlan network needs the nodes it exists on: nodes = { "hostname" = { parent = "eth0", subnet = "…" } }',
      });
    for (const [node, spec] of Object.entries(network.nodes)) {
      // A node's own subnet, or the network's: its gateway and ip_range must lie inside.
      checkAddressing({ ...spec, subnet: spec.subnet || network.subnet }, ctx, ["nodes", node]);
      if (!spec.parent && !network.parent)
        ctx.addIssue({
          code: "custom",
          path: ["nodes", node, "parent"],
          message: `node "${node}" needs a parent interface (or set parent for all)`,
        });
      if (!spec.subnet && !network.subnet)
        ctx.addIssue({
          code: "custom",
          path: ["nodes", node, "subnet"],
          message: `node "${node}" needs a subnet (or set subnet for all)`,
        });
    }
  });
export type SwarmNetwork = z.infer<typeof SwarmNetwork>;

/**
 * A network a standalone server's stacks share as `external: true`, created by
 * its agent before them and never removed while in use: a bridge, or a macvlan
 * on a parent interface.
 */
export const HostNetwork = z
  .object({
    name: z.string().regex(NETWORK_NAME, "must be a Docker network name: letters, digits, '_', '.', '-'"),
    driver: z.enum(["bridge", "macvlan"]).default("bridge"),
    ...Addressing,
    parent: z.string().default(""),
  })
  .strict()
  .superRefine((network, ctx) => {
    checkAddressing(network, ctx);
    if (network.driver === "macvlan" && !network.parent)
      ctx.addIssue({
        code: "custom",
        path: ["parent"],
        message: 'a macvlan network needs its parent interface, such as parent = "eth0"',
      });
    if (network.driver === "macvlan" && !network.subnet)
      ctx.addIssue({
        code: "custom",
        path: ["subnet"],
        message: "a macvlan network needs the subnet of its parent's LAN",
      });
    if (network.driver === "bridge" && network.parent)
      ctx.addIssue({ code: "custom", path: ["parent"], message: "parent is for macvlan networks" });
  });
export type HostNetwork = z.infer<typeof HostNetwork>;
