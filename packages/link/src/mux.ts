// Many byte channels over one WebSocket. Core opens a channel per request
// and speaks HTTP/1.1 in it; the agent hands each channel to its own HTTP
// server as a connection. A frame is one binary message: type (1 byte),
// channel id (4 bytes), payload. A sender may have WINDOW bytes unread by the
// other side per channel; the reader grants more as its consumer reads, so a
// slow reader (a paused log stream) holds back only its own channel. Each
// write also waits until the WebSocket has handed its frame to the socket.
import { Duplex } from "node:stream";
import type { WebSocket } from "ws";

const OPEN = 1;
const DATA = 2;
const END = 3;
const RESET = 4;
const CREDIT = 5;

/** Bytes a channel may send ahead of what its reader consumed. */
const WINDOW = 256 * 1024;
/** The largest DATA payload (the peers' maxPayload is 1 MiB). */
const MAX_FRAME = 64 * 1024;

export interface LinkMuxOptions {
  /** The agent: called with each channel core opens. */
  onChannel?: (channel: Channel) => void;
}

function frame(type: number, id: number, payload?: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(id, 1);
  return payload ? Buffer.concat([head, payload]) : head;
}

function linkError(message: string): Error {
  return Object.assign(new Error(message), { code: "ECONNRESET" });
}

export class Channel extends Duplex {
  private credit = WINDOW;
  private blocked: { chunk: Buffer; done: (error?: Error | null) => void } | undefined;
  /** Bytes handed to the consumer and not yet granted back to the sender. */
  private consumed = 0;
  /** Bytes the sender may still send: a peer that sends more is cut off, not buffered. */
  private allowance = WINDOW;
  private sentEnd = false;
  private gotEnd = false;

  constructor(
    private readonly mux: LinkMux,
    readonly id: number,
  ) {
    super({ allowHalfOpen: true });
  }

  // What node:http and ws call on a connection; a channel has no socket options.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.sendData(chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.sentEnd = true;
    this.mux.send(frame(END, this.id), done);
  }

  override _read(): void {
    // Once the other side ended, it sends nothing more: a grant would only reach a channel it has
    // already forgotten.
    if (this.consumed === 0 || this.gotEnd) return;
    const grant = Buffer.allocUnsafe(4);
    grant.writeUInt32BE(this.consumed, 0);
    this.allowance += this.consumed;
    this.consumed = 0;
    this.mux.send(frame(CREDIT, this.id, grant));
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // Closed before both sides ended: tell the other side to drop it too.
    if (!(this.sentEnd && this.gotEnd)) this.mux.send(frame(RESET, this.id));
    this.mux.forget(this.id);
    const blocked = this.blocked;
    this.blocked = undefined;
    blocked?.done(error ?? linkError("channel closed"));
    done(error);
  }

  /** A frame for this channel arrived. */
  receive(type: number, payload: Buffer): void {
    if (type === DATA) {
      this.allowance -= payload.length;
      if (this.allowance < 0) {
        this.destroy(linkError("the other side of the link sent more than its window"));
        return;
      }
      this.consumed += payload.length;
      this.push(payload);
    } else if (type === END) {
      this.gotEnd = true;
      this.push(null);
    } else if (type === RESET) {
      this.destroy(linkError("the other side of the link closed the channel"));
    } else if (type === CREDIT && payload.length === 4) {
      this.credit += payload.readUInt32BE(0);
      const blocked = this.blocked;
      this.blocked = undefined;
      if (blocked) this.sendData(blocked.chunk, blocked.done);
    }
  }

  private sendData(chunk: Buffer, done: (error?: Error | null) => void): void {
    if (this.credit <= 0) {
      this.blocked = { chunk, done };
      return;
    }
    const size = Math.min(chunk.length, this.credit, MAX_FRAME);
    this.credit -= size;
    this.mux.send(frame(DATA, this.id, chunk.subarray(0, size)), (error) => {
      if (error) done(error);
      else if (size < chunk.length) this.sendData(chunk.subarray(size), done);
      else done();
    });
  }
}

export class LinkMux {
  private readonly channels = new Map<number, Channel>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: LinkMuxOptions = {},
  ) {
    ws.on("message", (data: Buffer, binary: boolean) => {
      if (binary && data.length >= 5) this.receive(data);
    });
    ws.once("close", () => this.close());
  }

  /** A new channel to the other side (core's side). */
  open(): Channel {
    if (this.closed) throw linkError("the link is closed");
    const channel = new Channel(this, this.nextId);
    this.nextId += 2;
    this.channels.set(channel.id, channel);
    this.send(frame(OPEN, channel.id));
    return channel;
  }

  /** Ends every channel: the link is gone. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels.values()) channel.destroy(linkError("the link closed"));
    this.channels.clear();
  }

  get size(): number {
    return this.channels.size;
  }

  send(data: Buffer, done?: (error?: Error) => void): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) {
      if (done) process.nextTick(done, linkError("the link closed"));
      return;
    }
    this.ws.send(data, { binary: true }, (error) => done?.(error ?? undefined));
  }

  forget(id: number): void {
    this.channels.delete(id);
  }

  private receive(data: Buffer): void {
    const type = data.readUInt8(0);
    const id = data.readUInt32BE(1);
    const payload = data.subarray(5);
    const channel = this.channels.get(id);
    if (channel) channel.receive(type, payload);
    else if (type === OPEN && this.options.onChannel && !this.closed) {
      const opened = new Channel(this, id);
      this.channels.set(id, opened);
      this.options.onChannel(opened);
    } else if (type !== RESET && type !== CREDIT) this.send(frame(RESET, id));
  }
}
