/**
 * What the inserted checks do at run time, in real V8: a spin is interrupted by `tick`, yields
 * to the event loop through a JSPI `Suspending` `yield` under `promising`, calls `tick` (never
 * `yield`) when re-entered from a JS import, and traps when the kill flag is set, from this
 * thread or from another (the watchdog's case).
 */

import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

import { promising, suspending } from "../wasi/jspi.ts";
import { instantiate, preemptHost, rewrite, SPINNER, wat } from "./fixtures.test-support.ts";

const spinner = await wat(SPINNER);
type Fn = (...args: unknown[]) => unknown;
const noReenter = { js: { reenter: () => {} } };

describe("yield checks", () => {
  it("interrupt a spinning loop: the export throws tick's error after N ticks", () => {
    const host = preemptHost();
    host.tickLimit = 5;
    const exports = instantiate(rewrite(spinner, "loops"), host, noReenter);
    expect(() => (exports.spin as Fn)()).toThrow("tick limit 5");
    expect(host.ticks).toBe(5);
    expect(host.yields).toBe(0);
  });

  it("suspend a spin under promising, so the event loop runs, until yield throws", async () => {
    let timerRan = false;
    const host = preemptHost((h) => async () => {
      h.yields++;
      await sleep(1);
      if (timerRan && h.yields >= 3) throw new Error("stopped");
      return h.fuel;
    });
    const bytes = rewrite(spinner, "loops", ["spin"]);
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, {
      ...noReenter,
      "rusm:preempt": {
        tick: host.imports["rusm:preempt"]!.tick,
        yield: suspending(host.imports["rusm:preempt"]!.yield as Fn),
      },
    });
    setTimeout(() => (timerRan = true), 0);
    const spin = promising(instance.exports.spin as Fn);
    await expect(spin()).rejects.toThrow("stopped");
    expect(timerRan).toBe(true);
    expect(host.ticks).toBe(0);
  });

  it("count one unit of fuel per loop iteration, and make progress at fuel 1", () => {
    // `inner(n)`: entry checks of inner and $count, then n iterations of $count's loop. With a
    // fuel of 1 every check calls out; the loop's call runs outside it and re-enters it.
    for (const fuel of [1, 2, 5]) {
      const host = preemptHost();
      host.fuel = fuel;
      const exports = instantiate(rewrite(spinner, "loops"), host, noReenter);
      (exports.inner as Fn)(100);
      // 102 checks; the first finds fuel 0, then every `fuel`-th calls (as before the frames).
      expect(host.ticks, `fuel ${fuel}`).toBe(1 + Math.floor(101 / fuel));
      expect(host.yields).toBe(0);
    }
  });

  it("yield from a spinning loop with parameters under an entry export", async () => {
    const bytes = rewrite(
      await wat(`(module
        (func (export "spin") (param $n i32) (result i32) (local $acc i32)
          (local.get $n) (i32.const 0)
          (loop $l (param i32 i32) (result i32) ;; [k acc]
            (local.set $acc)
            (local.tee $n (i32.sub (i32.const 1)))
            (i32.add (local.get $acc) (i32.const 3))
            (br_if $l (local.get $n))
            (local.set $acc) (drop) (local.get $acc))))`),
      "loops",
      ["spin"],
    );
    const host = preemptHost((h) => async () => {
      h.yields++;
      await sleep(0);
      return h.fuel;
    });
    host.fuel = 10;
    const preempt = host.imports["rusm:preempt"]!;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      "rusm:preempt": { tick: preempt.tick, yield: suspending(preempt.yield as Fn) },
    });
    await expect(promising(instance.exports.spin as Fn)(100)).resolves.toBe(300);
    expect(host.yields).toBeGreaterThanOrEqual(10);
    expect(host.ticks).toBe(0);
  });

  it.each(["loops", "calls"] as const)(
    "call tick, never yield, in an export re-entered from a JS import (%s)",
    async (placement) => {
      let yieldsDuringReentry = -1;
      const host = preemptHost((h) => async () => {
        h.yields++;
        await sleep(0);
        return h.fuel;
      });
      // calls: checks only at function entries, so make every check call out.
      host.fuel = placement === "loops" ? 10 : 1;
      const bytes = rewrite(spinner, placement, ["entry"]);
      let exports: WebAssembly.Exports = {};
      const reenter = () => {
        const before = host.yields;
        (exports.inner as Fn)(500);
        yieldsDuringReentry = host.yields - before;
      };
      const module = new WebAssembly.Module(bytes);
      const preempt = host.imports["rusm:preempt"]!;
      exports = new WebAssembly.Instance(module, {
        js: { reenter },
        "rusm:preempt": {
          tick: preempt.tick,
          yield: suspending(preempt.yield as Fn),
          ...(placement === "calls" ? { flag: host.flag } : {}),
        },
      }).exports;
      // entry: spin 500 (may yield), reenter directly and through the table (tick only), spin.
      const entry = promising(exports.entry as Fn);
      await entry(500);
      expect(yieldsDuringReentry).toBe(0);
      expect(host.ticks).toBeGreaterThan(0);
      expect(host.yields).toBeGreaterThan(0);
      // Called outside promising, with no entry wrapper on the stack: tick only, no SuspendError.
      const ticks = host.ticks;
      const yields = host.yields;
      (exports.inner as Fn)(500);
      expect(host.ticks).toBeGreaterThan(ticks);
      expect(host.yields).toBe(yields);
    },
  );
});

describe("kill checks (placements calls and kill)", () => {
  it.each(["calls", "kill"] as const)("trap a spin when the flag is set (%s)", (placement) => {
    const host = preemptHost();
    const exports = instantiate(rewrite(spinner, placement), host, noReenter);
    new Int32Array(host.flag.buffer)[0] = 1;
    expect(() => (exports.spin as Fn)()).toThrow(WebAssembly.RuntimeError);
    expect(() => (exports.spin as Fn)()).toThrow("unreachable");
  });

  it("trap a spin in a worker when the main thread sets the flag", async () => {
    const bytes = rewrite(spinner, "kill");
    const flag = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const worker = new Worker(
      `
      const { parentPort, workerData } = require("node:worker_threads");
      const { bytes, flag } = workerData;
      const noop = () => 1;
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        js: { reenter: () => {} },
        "rusm:preempt": { tick: noop, yield: noop, flag },
      });
      parentPort.postMessage("spinning");
      try {
        instance.exports.spin();
        parentPort.postMessage("returned");
      } catch (err) {
        parentPort.postMessage(String(err));
      }
      `,
      { eval: true, workerData: { bytes, flag } },
    );
    try {
      const messages: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        worker.on("error", reject);
        worker.on("message", (m: string) => {
          messages.push(m);
          if (m === "spinning")
            setTimeout(() => Atomics.store(new Int32Array(flag.buffer), 0, 1), 50);
          else resolve();
        });
      });
      await done;
      expect(messages).toEqual(["spinning", "RuntimeError: unreachable"]);
    } finally {
      await worker.terminate();
    }
  });
});
