/**
 * @module catalog/entry
 * The shape of one catalog entry: an interface rusm provides to guests, described once. Every
 * path that needs to know what the host provides reads these (catalog/index.ts derives the rest).
 */
import type { InterfaceSig } from "../abi/signature.ts";
import type { GuestContext } from "../rusm-guest/index.ts";

/** What a process (or the load-time instance) offers the import builders. */
export interface HostContext extends GuestContext {
  /** The `rusm:preempt` functions of an instrumented component's instances (preempt/load.ts). */
  preemptImports(): object;
}

/** A package of interfaces and the versions of it a component may import. */
export interface HostPackage {
  /** `wasi:http`, `rusm:guest`. */
  readonly name: string;
  /**
   * The version rusm implements. WASI packages are served for every 0.2.x a component names
   * (the glue and the lean ABI key imports without a version); rusm's own are exact.
   */
  readonly version: string;
}

/** One interface rusm provides. */
export interface HostInterface {
  /** Unversioned, as jco's glue keys its imports: `wasi:http/types`. */
  readonly name: string;
  readonly package: HostPackage;
  /**
   * Functions that may wait (JSPI `Suspending`: jco's `asyncImports`, the lean ABI's
   * suspending lowering), as the component names them: `[method]pollable.block`.
   */
  readonly blocking: readonly string[];
  /** The lean ABI's descriptor (abi/interfaces/); null where only jco's glue serves it. */
  readonly lean: InterfaceSig | null;
  /**
   * Who gets it: `all` every process; `rusm` only components that import one of rusm's own
   * packages (a plain wasi:http guest pays nothing for them); `preempt` only components whose
   * core modules carry preemption checks.
   */
  readonly scope: "all" | "rusm" | "preempt";
  /** Its import object: one object shared by every process, or one made per process. */
  readonly imports: ImportBuilder;
}

/** How an interface's import object is had. */
export type ImportBuilder =
  { readonly shared: object } | { readonly perProcess: (ctx: HostContext) => object };

/** An import object that holds no process state: the same for every process. */
export function shared(imports: object): ImportBuilder {
  return { shared: imports };
}

/** An import object bound to one process. */
export function perProcess(make: (ctx: HostContext) => object): ImportBuilder {
  return { perProcess: make };
}
