/**
 * @module component/prewarm
 * `prewarm = N`: up to N fresh, never-used instances of a component, made ahead of requests
 * in idle time, so that a large guest's instantiation (StarlingMonkey: milliseconds) is not on
 * its request's path. Each is used once, by one process; a new one is made after each use.
 *
 * An instance's imports must be bound to the process it serves, which does not exist yet when
 * the instance is made. So a prewarmed instance gets {@link LateImports}: the same namespaces,
 * whose functions and classes forward to the process's own import objects once the process
 * claims the instance. Classes keep their prototype, so `instanceof` checks in jco's glue still
 * see rusm's host classes.
 */
import type { ComponentInstance } from "./instance.ts";

type Instantiate = (
  imports: Record<string, object>,
  onMemory: (memory: WebAssembly.Memory) => void,
) => Promise<ComponentInstance>;

type AnyFn = (...args: unknown[]) => unknown;

/** An import object whose members call those of another one, bound later (once). */
export class LateImports {
  #bound: Record<string, Record<string, unknown>> | null = null;
  readonly #template: Record<string, Record<string, unknown>>;
  readonly imports: Record<string, object> = {};

  /**
   * `template`: an import object of the same shape, for a context that serves no request (the
   * load-time one): it answers any call the instance makes while it is being made.
   */
  constructor(template: Record<string, object>) {
    this.#template = template as Record<string, Record<string, unknown>>;
    for (const [name, ns] of Object.entries(template)) {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(ns)) {
        out[key] = typeof value === "function" ? this.#forward(name, key, value as AnyFn) : value;
      }
      this.imports[name] = out;
    }
  }

  /** Binds the process's own import object; every forwarder calls into it from now on. */
  bind(real: Record<string, object>): void {
    this.#bound = real as Record<string, Record<string, unknown>>;
  }

  #target(name: string, key: string): AnyFn {
    const fn = (this.#bound ?? this.#template)[name]?.[key];
    if (typeof fn !== "function") throw new Error(`the host has no ${name}.${key}`);
    return fn as AnyFn;
  }

  #forward(name: string, key: string, template: AnyFn): AnyFn {
    const target = (): AnyFn => this.#target(name, key);
    const forward = function (this: unknown, ...args: unknown[]): unknown {
      const fn = target();
      return new.target === undefined
        ? fn.apply(this, args)
        : Reflect.construct(fn as unknown as new (...a: unknown[]) => unknown, args);
    };
    // A class: same prototype (instanceof), and its static members (shared by every process).
    if (template.prototype !== undefined) {
      forward.prototype = template.prototype as object;
      for (const prop of Object.getOwnPropertyNames(template)) {
        if (prop === "length" || prop === "name" || prop === "prototype") continue;
        Object.defineProperty(
          forward,
          prop,
          Object.getOwnPropertyDescriptor(template, prop) as PropertyDescriptor,
        );
      }
    }
    return forward;
  }
}

interface Warm {
  readonly late: LateImports;
  readonly instance: ComponentInstance;
  readonly memories: WebAssembly.Memory[];
}

/**
 * Wraps `instantiate` with a stock of `count` prewarmed instances, made one per event-loop
 * turn while no process of the component runs (at start, and after each process ends).
 * `template` gives the shape of the imports.
 */
export function prewarming(
  instantiate: Instantiate,
  count: number,
  template: () => Record<string, object>,
): { instantiate: Instantiate; close(): void } {
  const stock: Warm[] = [];
  let making = 0;
  let closed = false;
  let failed = false;
  let timer: NodeJS.Timeout | undefined;
  // Processes of this component still running: making an instance while one runs would delay
  // it by the whole instantiation (milliseconds for StarlingMonkey), so the stock is refilled
  // only once none is (idle time), and after each one ends.
  let running = 0;

  const makeOne = async (): Promise<void> => {
    const late = new LateImports(template());
    const memories: WebAssembly.Memory[] = [];
    making++;
    try {
      const instance = await instantiate(late.imports, (m) => memories.push(m));
      if (closed) instance.release(false);
      else stock.push({ late, instance, memories });
    } catch {
      // The request path instantiates on its own and reports the error there.
      failed = true;
    } finally {
      making--;
    }
  };

  const refill = (): void => {
    timer = undefined;
    if (closed || failed || running > 0 || stock.length + making >= count) return;
    void makeOne().then(schedule);
  };
  // Idle time: one instance per turn, after whatever I/O and timers are waiting.
  const schedule = (): void => {
    if (timer === undefined && !closed) timer = setTimeout(refill, 0).unref();
  };
  schedule();

  return {
    async instantiate(imports, onMemory) {
      const warm = stock.shift();
      running++;
      let instance: ComponentInstance;
      try {
        if (warm === undefined) {
          instance = await instantiate(imports, onMemory);
        } else {
          warm.late.bind(imports);
          for (const memory of warm.memories) onMemory(memory);
          instance = warm.instance;
        }
      } catch (err) {
        running--;
        schedule();
        throw err;
      }
      // The process ends by releasing its instance: the component may be idle again.
      let ended = false;
      return {
        ...instance,
        release(clean) {
          instance.release(clean);
          if (ended) return;
          ended = true;
          running--;
          schedule();
        },
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const warm of stock.splice(0)) warm.instance.release(false);
    },
  };
}
