import { describe, expect, it } from "vitest";
import { blockingCall } from "./blocking.ts";
import type { WasiContext } from "./context.ts";

/** A context whose `resume` answers `next` and counts calls, and whose `park` counts parks. */
function context(next: () => Promise<void> | undefined) {
  const calls = { resume: 0, park: 0 };
  const ctx = {
    resume: () => {
      calls.resume++;
      return next();
    },
    park: <T>(p: Promise<T>) => {
      calls.park++;
      return p;
    },
  } as unknown as WasiContext;
  return { ctx, calls };
}

describe("blockingCall", () => {
  it("a call that does not wait returns its value itself, not a promise (no JSPI suspension)", () => {
    const { ctx, calls } = context(() => undefined);
    const out = blockingCall(ctx, () => 42);
    expect(out).toBe(42);
    expect(calls).toEqual({ resume: 1, park: 0 });
  });

  it("a call that does not wait but whose slice is up returns a promise (the fairness yield)", async () => {
    let turned = false;
    const { ctx } = context(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            turned = true;
            resolve();
          }),
        ),
    );
    const out = blockingCall(ctx, () => 7);
    expect(out).toBeInstanceOf(Promise);
    expect(await out).toBe(7);
    expect(turned).toBe(true);
  });

  it("a call that waits parks, returns a promise, and does not go through resume", async () => {
    const { ctx, calls } = context(() => undefined);
    const out = blockingCall(ctx, (wait) => wait(Promise.resolve("later")));
    expect(out).toBeInstanceOf(Promise);
    expect(await out).toBe("later");
    expect(calls).toEqual({ resume: 0, park: 1 });
  });

  it("an error without waiting is thrown at once; after the yield, as a rejection", async () => {
    const now = context(() => undefined);
    expect(() =>
      blockingCall(now.ctx, () => {
        throw new Error("closed");
      }),
    ).toThrow("closed");
    const later = context(() => Promise.resolve());
    await expect(
      blockingCall(later.ctx, () => {
        throw new Error("closed");
      }),
    ).rejects.toThrow("closed");
  });

  it("a killed process's call that did not wait ends with the kill, whatever the body returned", async () => {
    const { ctx } = context(() => Promise.reject(new Error("killed")));
    await expect(blockingCall(ctx, () => 1)).rejects.toThrow("killed");
  });
});
