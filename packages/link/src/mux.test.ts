import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { type Channel, LinkMux } from "./mux.js";

/** Two ends of a real WebSocket on loopback: `opener` opens channels, `acceptor` echoes or hands them to `serve`. */
async function pair(serve: (channel: Channel) => void) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  const accepted = once(server, "connection");
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await once(client, "open");
  const [socket] = (await accepted) as [WebSocket];
  // As node:http does with its connections: a channel's error is handled where it is used.
  const acceptor = new LinkMux(socket, {
    onChannel: (channel) => {
      channel.on("error", () => undefined);
      serve(channel);
    },
  });
  const opener = new LinkMux(client);
  const close = () => {
    client.terminate();
    socket.terminate();
    server.close();
  };
  return { opener, acceptor, client, socket, close };
}

const echo = (channel: Channel) => channel.pipe(channel);
const collect = async (channel: Channel) => {
  const chunks: Buffer[] = [];
  for await (const chunk of channel) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe("LinkMux", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it("carries many channels at once, each byte for byte, larger than the window", async () => {
    const link = await pair(echo);
    cleanup = link.close;
    const payloads = Array.from({ length: 20 }, (_, i) => Buffer.alloc(300_000 + i * 7919, i + 1));
    const replies = await Promise.all(
      payloads.map((payload) => {
        const channel = link.opener.open();
        channel.end(payload);
        return collect(channel);
      }),
    );
    for (const [i, reply] of replies.entries()) expect(reply.equals(payloads[i] as Buffer)).toBe(true);
    expect(link.opener.size).toBe(0);
    expect(link.acceptor.size).toBe(0);
  });

  it("a reader that stops holds back its own channel only", async () => {
    const served: Channel[] = [];
    const link = await pair((channel) => {
      served.push(channel);
      if (served.length === 2) echo(channel);
    });
    cleanup = link.close;
    const stalled = link.opener.open();
    stalled.on("error", () => undefined); // reset when the test ends: its far end never finishes
    stalled.write(Buffer.alloc(2 * 1024 * 1024, 7));
    await delay(300);
    // The far end never read: about one window arrived there, the rest waits here.
    const arrived = (served[0] as Channel).readableLength;
    expect(arrived).toBeGreaterThan(0);
    expect(arrived).toBeLessThanOrEqual(256 * 1024 + 16 * 1024);
    expect(stalled.writableLength).toBeGreaterThanOrEqual(2 * 1024 * 1024 - 256 * 1024);
    const moving = link.opener.open();
    moving.end(Buffer.from("still flowing"));
    expect((await collect(moving)).toString()).toBe("still flowing");
    // Once the stalled end reads, the rest arrives.
    const rest = collect(served[0] as Channel);
    stalled.end();
    expect((await rest).length).toBe(2 * 1024 * 1024);
  });

  it("a dropped link ends every channel with ECONNRESET, on both sides", async () => {
    const served: Channel[] = [];
    const link = await pair((channel) => served.push(channel));
    cleanup = link.close;
    const channel = link.opener.open();
    channel.write("hello");
    await delay(100);
    const errors = [once(channel, "error"), once(served[0] as Channel, "error")];
    link.client.terminate();
    for (const [error] of (await Promise.all(errors)) as Array<[NodeJS.ErrnoException]>)
      expect(error.code).toBe("ECONNRESET");
    expect(() => link.opener.open()).toThrow(/closed/);
  });

  it("a peer that sends past its window is cut off instead of buffered", async () => {
    const served: Channel[] = [];
    const link = await pair((channel) => served.push(channel));
    cleanup = link.close;
    const channel = link.opener.open();
    channel.on("error", () => undefined);
    channel.write("x");
    await delay(100);
    const far = served[0] as Channel;
    const cut = once(far, "error");
    // A hostile sender ignores credit: DATA frames straight onto the socket.
    const frame = (size: number) => Buffer.concat([Buffer.from([2, 0, 0, 0, channel.id]), Buffer.alloc(size)]);
    for (let i = 0; i < 5; i += 1) link.client.send(frame(64 * 1024), { binary: true });
    expect(((await cut) as [Error])[0].message).toMatch(/more than its window/);
    // At most the window past what the reader's own buffer (its high-water mark, 16 KiB) took.
    expect(far.readableLength).toBeLessThanOrEqual(256 * 1024 + 16 * 1024);
  });

  it("destroying a channel resets it on the other side", async () => {
    const served: Channel[] = [];
    const link = await pair((channel) => served.push(channel));
    cleanup = link.close;
    const channel = link.opener.open();
    channel.write("x");
    await delay(100);
    const reset = once(served[0] as Channel, "error");
    channel.destroy();
    expect(((await reset) as [Error])[0].message).toMatch(/closed the channel/);
    expect(link.acceptor.size).toBe(0);
  });
});

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
