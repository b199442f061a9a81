/**
 * @module abi/wit-world.test-support
 * What wit/ says a world imports, by jco's JS API, for the tests that check rusm's hand-written
 * bindings against it (wit-bindings.test.ts, wit-types.test.ts):
 * - {@link worldImports}: every imported function with its canonical-ABI core type, read from
 *   the dummy core module `componentEmbed({ dummy: true })` makes for the world (wasm-tools'
 *   own lowering, the reference the bindings must agree with);
 * - {@link guestTypes}: jco's guest typegen of the world (`jco guest-types`), one `.d.ts` per
 *   interface, whose `declare module` names carry the full interface versions.
 */

import { componentEmbed, types } from "@bytecodealliance/jco";
import { ensureToolPreopens } from "../toolchain/preopens.ts";
import { WIT_DIR } from "../toolchain/wit.ts";
import { funcImports, type ValType } from "../wasm/imports.ts";

/** rusm's guest world: what the SDKs and the QuickJS engine import. */
export const HANDLERS_WORLD = "rusm:guest/handlers";

/** A world with every wasi:cli interface (the terminals too), which the lean ABI also serves. */
export const CLI_COMMAND_WORLD = "wasi:cli/command@0.2.12";

/** One function a world imports, keyed `interface#name` (unversioned, wit-component's name). */
export interface WitImport {
  /** `wasi:http/types` */
  readonly iface: string;
  /** `[method]fields.append`, `[resource-drop]fields`, `get-stdout` */
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** `cm32p2|wasi:http/types@0.2` → `wasi:http/types` (the dummy's "standard" import names). */
function ifaceOf(module: string): string | null {
  const m = /^cm32p2\|([^@|]+)@[^|]*$/.exec(module);
  return m === null ? null : m[1]!;
}

/**
 * The dummy's `fields_drop` is `[resource-drop]fields` in the legacy names rusm's bindings use
 * (functions, `[method]`, `[static]` and `[constructor]` are named alike in both). WIT names
 * are kebab-case, so an `_` comes from the mangling only.
 */
function legacyName(name: string): string {
  return name.endsWith("_drop") && !name.startsWith("[")
    ? `[resource-drop]${name.slice(0, -"_drop".length)}`
    : name;
}

/**
 * Every function `world` imports (wit/), keyed `interface#name`. `unstable`: with the functions
 * WIT gates behind `@unstable(feature = ...)` too (what a host may serve; a guest built with
 * the default features cannot import them).
 */
export async function worldImports(
  world: string,
  unstable = false,
): Promise<Map<string, WitImport>> {
  await ensureToolPreopens();
  const features = unstable ? { tag: "all" as const } : { tag: "list" as const, val: [] };
  const dummy = await componentEmbed({ dummy: true, witPath: WIT_DIR, world, features });
  const out = new Map<string, WitImport>();
  for (const imp of funcImports(dummy)) {
    const iface = ifaceOf(imp.module);
    if (iface === null) continue; // the dummy's own plumbing, not an interface of the world
    const name = legacyName(imp.name);
    out.set(`${iface}#${name}`, { iface, name, params: imp.params, results: imp.results });
  }
  return out;
}

/** jco's guest types of `world`: file name → text. */
export async function guestTypes(world: string): Promise<Map<string, string>> {
  await ensureToolPreopens();
  const files = await types(WIT_DIR, { worldName: world, guest: true, quiet: true });
  const text = new TextDecoder();
  return new Map(Object.entries(files).map(([name, bytes]) => [name, text.decode(bytes)]));
}

/** `wasi:http/types` → `wasi:http/types@0.2.12`, for every interface of `world`. */
export async function interfaceVersions(world: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const text of (await guestTypes(world)).values()) {
    for (const m of text.matchAll(/^declare module '([^'@]+)@([^']+)'/gm)) {
      out.set(m[1]!, `${m[1]!}@${m[2]!}`);
    }
  }
  return out;
}
