/**
 * @module wasi/debug
 * `RUSM_DEBUG=wasi`: logs every host call a guest makes, by WIT interface and name, with the
 * process id (like preview2-shim's `PREVIEW2_SHIM_DEBUG`). Off by default and free when off:
 * the wrappers are installed only when the variable is set.
 */

/** True when `RUSM_DEBUG` lists `wasi`. */
export function wasiDebugEnabled(): boolean {
  return (process.env.RUSM_DEBUG ?? "")
    .split(",")
    .map((s) => s.trim())
    .includes("wasi");
}

type Log = (line: string) => void;
type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

/** Host-side helpers on the shared classes: not WIT calls, so not traced. */
const HOST_ONLY = new Set(["fromHost", "freeze", "whenReady", "readForSplice"]);

function pidOf(self: unknown, args: unknown[]): string {
  for (const candidate of [
    self,
    ...args,
    ...(Array.isArray(args[0]) ? (args[0] as unknown[]) : []),
  ]) {
    const ctx = (candidate as { ctx?: { pid?: number } } | null)?.ctx;
    if (typeof ctx?.pid === "number") return String(ctx.pid);
  }
  return "?";
}

function wrap(fn: AnyFn, name: string, log: Log, pid?: number): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    log(`[wasi] pid=${pid ?? pidOf(this, args)} ${name}`);
    return fn.apply(this, args);
  };
}

const patched = new WeakSet<object>();

function patchClass(cls: { prototype: object }, iface: string, className: string, log: Log): void {
  if (patched.has(cls.prototype)) return;
  patched.add(cls.prototype);
  const proto = cls.prototype as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(proto)) {
    const desc = Object.getOwnPropertyDescriptor(proto, key);
    if (key === "constructor" || HOST_ONLY.has(key) || typeof desc?.value !== "function") continue;
    proto[key] = wrap(desc.value as AnyFn, `${iface}#[method]${className}.${key}`, log);
  }
  const statics = cls as unknown as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(cls)) {
    const desc = Object.getOwnPropertyDescriptor(cls, key);
    if (HOST_ONLY.has(key) || typeof desc?.value !== "function" || !desc.writable) continue;
    statics[key] = wrap(desc.value as AnyFn, `${iface}#[static]${className}.${key}`, log);
  }
}

/**
 * Returns `imports` with every function wrapped in a logging wrapper. Classes are patched in
 * place, once (they are shared by all processes).
 */
export function traceImports(
  imports: Record<string, object>,
  pid: number,
  log: Log,
): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [iface, ns] of Object.entries(imports)) {
    const traced: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(ns) as Array<[string, unknown]>) {
      if (typeof value !== "function") {
        traced[name] = value;
      } else if (/^[A-Z]/.test(name)) {
        patchClass(value, iface, name, log);
        traced[name] = value;
      } else {
        traced[name] = wrap(value as AnyFn, `${iface}#${name}`, log, pid);
      }
    }
    out[iface] = traced;
  }
  return out;
}
