import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { linkedSignal } from "./linked-signal.js";

describe("linkedSignal", () => {
  it("follows a source with one listener however many follow it, and leaves none once all let go", () => {
    const lifelong = new AbortController();
    const linked = Array.from({ length: 1000 }, () => linkedSignal([lifelong.signal, undefined]));
    expect(getEventListeners(lifelong.signal, "abort")).toHaveLength(1);
    for (const { release } of linked) release();
    expect(getEventListeners(lifelong.signal, "abort")).toHaveLength(0);
    // And it follows again after that.
    const again = linkedSignal([lifelong.signal]);
    lifelong.abort(new Error("stopping"));
    expect(again.signal.aborted).toBe(true);
    expect((again.signal.reason as Error).message).toBe("stopping");
  });

  it("aborts every follower with the source's reason, and only those not released", () => {
    const lifelong = new AbortController();
    const request = new AbortController();
    const kept = linkedSignal([request.signal, lifelong.signal]);
    const released = linkedSignal([lifelong.signal]);
    released.release();
    lifelong.abort("core is stopping");
    expect(kept.signal.aborted).toBe(true);
    expect(kept.signal.reason).toBe("core is stopping");
    expect(released.signal.aborted).toBe(false);
    expect(getEventListeners(lifelong.signal, "abort")).toHaveLength(0);
  });

  it("follows whichever source aborts first, and starts aborted from an aborted source", () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkedSignal([a.signal, b.signal]);
    b.abort("b");
    expect(linked.signal.reason).toBe("b");
    linked.release();
    expect(getEventListeners(a.signal, "abort")).toHaveLength(0);
    const late = linkedSignal([a.signal, b.signal]);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe("b");
  });
});
