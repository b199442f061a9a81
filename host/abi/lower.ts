/**
 * @module abi/lower
 * `canon lower` on the host side: turns a host function (a member of the jco-shaped import
 * objects rusm builds per process, see wasi/index.ts) into the core function a guest's core
 * module imports, by the canonical ABI: flat parameters lifted (through memory past 16 flat
 * values), a `result<T, E>` built from a return or a thrown `payload`, the result lowered flat
 * (one value) or through the guest's return pointer.
 *
 * A blocking call may return a promise (it waits): the lowering then finishes when it settles,
 * and the import is a JSPI `Suspending` one (wasi/jspi.ts). A call that did not wait returns a
 * plain value and the guest does not suspend.
 */
import { GuestTrap } from "../wasi/errors.ts";
import { suspending } from "../wasi/jspi.ts";
import type { FuncSig } from "./signature.ts";
import { layout, tuple, type WitType } from "./types.ts";
import { liftFlat, load, lowerFlat, store, type AbiContext } from "./values.ts";

/** Most flat parameters passed as core arguments; more go through memory. */
const MAX_FLAT_PARAMS = 16;

/** How one function's values move, computed once per signature. */
export interface LoweringPlan {
  readonly sig: FuncSig;
  /** Parameters as one tuple in memory (more than 16 flat values). */
  readonly paramTuple: WitType | null;
  /** The flat offset of each parameter. */
  readonly paramAt: readonly number[];
  /** The result goes through a return pointer (the last core argument). */
  readonly retptr: boolean;
  readonly isResult: boolean;
}

export function plan(sig: FuncSig): LoweringPlan {
  const paramAt: number[] = [];
  let flat = 0;
  for (const p of sig.params) {
    paramAt.push(flat);
    flat += layout(p).flat.length;
  }
  const resultFlat = sig.result === null ? 0 : layout(sig.result).flat.length;
  return {
    sig,
    paramTuple: flat > MAX_FLAT_PARAMS ? tuple(...sig.params) : null,
    paramAt,
    retptr: resultFlat > 1,
    isResult: sig.result?.k === "result",
  };
}

type HostFn = (args: unknown[]) => unknown;

/** Binds a signature's call to the host namespace object (`imports['wasi:http/types']`). */
export function hostFunction(sig: FuncSig, ns: Record<string, unknown>): HostFn {
  const call = sig.call;
  const missing = (what: string): Error =>
    new Error(`the host does not implement ${sig.name} (${what})`);
  switch (call.kind) {
    case "constructor": {
      const Cls = ns[call.cls] as (new (...a: unknown[]) => unknown) | undefined;
      if (typeof Cls !== "function") throw missing(call.cls);
      return (args) => new Cls(...args);
    }
    case "static": {
      const Cls = ns[call.cls] as Record<string, unknown> | undefined;
      const fn = Cls?.[call.member];
      if (typeof fn !== "function") throw missing(`${call.cls}.${call.member}`);
      return (args) => (fn as (...a: unknown[]) => unknown).apply(Cls, args);
    }
    case "function": {
      const fn = ns[call.member];
      if (typeof fn !== "function") throw missing(call.member);
      return (args) => (fn as (...a: unknown[]) => unknown).apply(ns, args);
    }
    case "method": {
      const member = call.member;
      return (args) => {
        const self = args[0] as Record<string, (...a: unknown[]) => unknown>;
        const fn = self[member];
        if (typeof fn !== "function") throw new GuestTrap(`${sig.name} is not implemented`);
        return fn.apply(self, args.slice(1));
      };
    }
    case "drop":
      return () => undefined;
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** A thrown host error as the WIT `err` case, or rethrown (a trap) when it carries none. */
function errCase(err: unknown): { tag: "err"; val: unknown } {
  if (err !== null && typeof err === "object" && Object.hasOwn(err, "payload")) {
    return { tag: "err", val: (err as { payload: unknown }).payload };
  }
  throw err;
}

function lift(p: LoweringPlan, cx: AbiContext, flat: unknown[]): unknown[] {
  if (p.paramTuple !== null) return load(cx, p.paramTuple, flat[0] as number) as unknown[];
  const params = p.sig.params;
  const args: unknown[] = [];
  for (let i = 0; i < params.length; i++) args.push(liftFlat(cx, params[i]!, flat, p.paramAt[i]!));
  return args;
}

function lower(p: LoweringPlan, cx: AbiContext, value: unknown, flat: unknown[]): unknown {
  const result = p.sig.result;
  if (result === null) return undefined;
  if (p.retptr) {
    store(cx, result, value, flat[flat.length - 1] as number);
    return undefined;
  }
  return lowerFlat(cx, result, value);
}

/** Lowers what the host returned: a value, or a promise of one (the call waited). */
function finish(p: LoweringPlan, cx: AbiContext, flat: unknown[], out: unknown): unknown {
  if (p.isResult) {
    if (isPromise(out)) {
      return out.then(
        (val) => lower(p, cx, { tag: "ok", val }, flat),
        (err: unknown) => lower(p, cx, errCase(err), flat),
      );
    }
    return lower(p, cx, { tag: "ok", val: out }, flat);
  }
  return isPromise(out) ? out.then((val) => lower(p, cx, val, flat)) : lower(p, cx, out, flat);
}

/** One call of an import: lift, call the host, lower (now, or once the host's promise settles). */
function invoke(p: LoweringPlan, host: HostFn, cx: AbiContext, flat: unknown[]): unknown {
  const args = lift(p, cx, flat);
  let out: unknown;
  try {
    out = host(args);
  } catch (err) {
    if (!p.isResult) throw err;
    return lower(p, cx, errCase(err), flat);
  }
  return finish(p, cx, flat, out);
}

/**
 * The core function for one import of one instance. `cx` is read at call time: its memory and
 * realloc exist only once the instance does.
 */
export function lowerImport(
  p: LoweringPlan,
  host: HostFn,
  cx: AbiContext,
  blocking: boolean,
): (...flat: unknown[]) => unknown {
  const call = p.sig.call;
  if (call.kind === "drop") {
    const res = call.res;
    return (handle) => {
      const object = cx.handles.take(res, handle as number) as Partial<Disposable> | undefined;
      object?.[Symbol.dispose]?.();
    };
  }
  const core = (...flat: unknown[]): unknown => invoke(p, host, cx, flat);
  return blocking ? (suspending(core) as never) : core;
}
