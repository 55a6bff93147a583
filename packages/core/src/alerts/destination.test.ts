import { describe, expect, it } from "vitest";
import { isPrivateAddress, resolveDestination } from "./destination.js";

describe("alerter destinations", () => {
  it("knows loopback, private, link-local and mapped addresses", () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "192.168.1.10",
      "172.20.0.1",
      "169.254.169.254",
      "100.100.1.1",
      "::1",
      "fd00::1",
      "::ffff:127.0.0.1",
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ["1.1.1.1", "93.184.216.34", "2606:4700::1111"])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it("refuses a private destination unless allowed", async () => {
    await expect(resolveDestination("127.0.0.1", { allowPrivate: false })).rejects.toThrow(/TUG_ALERTER_ALLOW_PRIVATE/);
    await expect(resolveDestination("localhost", { allowPrivate: false })).rejects.toThrow(/loopback/);
    expect(await resolveDestination("127.0.0.1", { allowPrivate: true })).toEqual({ address: "127.0.0.1", family: 4 });
  });
});
