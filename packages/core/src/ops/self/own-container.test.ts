import { describe, expect, it } from "vitest";
import { containerIdIn } from "./own-container.js";

const ID = "4f0c1a0e9b2d4c6e8f1a3b5c7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912";

describe("own container", () => {
  it("finds the id in the bind mount of /etc/hostname", () => {
    const mountinfo = [
      "612 590 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X",
      `630 612 254:1 /var/lib/docker/containers/${ID}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw`,
      `631 612 254:1 /var/lib/docker/containers/${ID}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`,
    ].join("\n");
    expect(containerIdIn(mountinfo)).toBe(ID);
  });

  it("finds nothing on a host, even one whose mount table shows containers' shm mounts", () => {
    const mountinfo = `845 29 0:61 / /tmp/tugd/0/data/containers/${ID}/mounts/shm rw,nosuid - tmpfs shm rw,size=65536k`;
    expect(containerIdIn(mountinfo)).toBeUndefined();
  });
});
