// Where an alerter may send. Its URL comes from the repository: without a
// check, a push could make core POST to its own loopback services, the cloud
// metadata address or anything on the LAN, and read the answer back in the
// delivery record. The host is resolved once, every address it resolves to is
// checked, and the connection goes to exactly that address (no second lookup
// an attacker's DNS could answer differently).
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT; Tailscale addresses live here
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, "ipv4");
  return PRIVATE.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

export interface Destination {
  address: string;
  family: 4 | 6;
}

/** The address to connect to for `host`, refusing private ones unless they are allowed. */
export async function resolveDestination(host: string, options: { allowPrivate: boolean }): Promise<Destination> {
  const bare = host.replace(/^\[|\]$/g, "");
  const found = isIP(bare)
    ? [{ address: bare, family: isIP(bare) as 4 | 6 }]
    : ((await lookup(bare, { all: true, verbatim: true })) as Destination[]);
  if (found.length === 0) throw new Error(`${host} does not resolve`);
  if (!options.allowPrivate) {
    const blocked = found.find((entry) => isPrivateAddress(entry.address));
    if (blocked)
      throw new Error(
        `${host} is a loopback, private or link-local address (${blocked.address}); alerters may reach one only with TUG_ALERTER_ALLOW_PRIVATE=true`,
      );
  }
  return found[0] as Destination;
}
