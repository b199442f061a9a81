/**
 * @module catalog
 * One catalog of the interfaces rusm provides to guests (STYLE.md, issue 17). Each is listed
 * once (catalog/wasi.ts, catalog/rusm.ts: name, package and version, the functions that park,
 * the lean ABI's descriptor, how its import object is built), and every path that needs to
 * know reads this module:
 * - jco's glue: {@link BLOCKING_IMPORTS} are its `asyncImports` (component/transpile.ts);
 * - the lean ABI: {@link LEAN_INTERFACES} and the same blocking set (component/lean.ts);
 * - loading: {@link PROVIDED_INTERFACES} refuses a component importing anything else
 *   (component/load.ts), and {@link isRusmInterface} says who gets rusm's own;
 * - each process, the load-time (manifest) instance and preemption get their import object
 *   from {@link hostImports} (process/process.ts, component/manifest.ts).
 *
 * Adding an interface is one entry here plus its implementation (and, for the lean ABI, its
 * descriptor in abi/interfaces/).
 */
import type { InterfaceSig } from "../abi/signature.ts";
import type { HostContext, HostInterface } from "./entry.ts";
import { RUSM_INTERFACES } from "./rusm.ts";
import { WASI_INTERFACES } from "./wasi.ts";

export type { HostContext, HostInterface, HostPackage } from "./entry.ts";
export { RUSM_GUEST, RUSM_PUBSUB } from "./packages.ts";

/** Every interface rusm provides, WASI first. */
export const HOST_INTERFACES: readonly HostInterface[] = [...WASI_INTERFACES, ...RUSM_INTERFACES];

/** Interfaces a component may import (unversioned): all but the core-level `rusm:preempt`. */
export const PROVIDED_INTERFACES: ReadonlySet<string> = new Set(
  HOST_INTERFACES.filter((i) => i.scope !== "preempt").map((i) => i.name),
);

/** Whether an (unversioned) interface is one of rusm's own packages' (rusm:guest, rusm:pubsub). */
export function isRusmInterface(name: string): boolean {
  return HOST_INTERFACES.some((i) => i.name === name && i.scope === "rusm");
}

/** The calls that may wait, as `interface#function`: JSPI-suspending on both paths. */
export const BLOCKING_IMPORTS: readonly string[] = HOST_INTERFACES.flatMap((i) =>
  i.blocking.map((f) => `${i.name}#${f}`),
);

/** The interfaces the lean ABI serves, by unversioned name. */
export const LEAN_INTERFACES: ReadonlyMap<string, InterfaceSig> = new Map(
  HOST_INTERFACES.flatMap((i) => (i.lean === null ? [] : [[i.name, i.lean] as const])),
);

/** Which of the catalog's scopes a component gets. */
export interface ImportScopes {
  /** It imports one of rusm's own packages. */
  readonly rusm: boolean;
  /** Its core modules carry preemption checks. */
  readonly preempt: boolean;
}

/** The import object of one process (or load-time instance), keyed as jco's glue asks. */
export function hostImports(ctx: HostContext, scopes: ImportScopes): Record<string, object> {
  const imports: Record<string, object> = {};
  for (const i of HOST_INTERFACES) {
    if ((i.scope === "rusm" && !scopes.rusm) || (i.scope === "preempt" && !scopes.preempt)) {
      continue;
    }
    imports[i.name] = "shared" in i.imports ? i.imports.shared : i.imports.perProcess(ctx);
  }
  return imports;
}
