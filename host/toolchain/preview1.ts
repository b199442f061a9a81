/**
 * @module toolchain/preview1
 * The WASI preview1 adapter that turns a `wasm32-wasip1` core module into a wasi 0.2 component:
 * jco's copy of wasmtime's `wasi_snapshot_preview1.reactor.wasm`, the same adapter
 * cargo-component and componentize-dotnet pass to wit-component. A module that imports
 * `wasi_snapshot_preview1` functions, made a component with it, has several core modules: its
 * own, the adapter (which implements preview1 over wasi 0.2 imports) and wit-component's
 * indirect-call shim and fixup modules. No download: it ships inside the jco package.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The core import module name the adapter serves (what wasip1 modules import). */
export const PREVIEW1_MODULE = "wasi_snapshot_preview1";

/** Absolute path of jco's preview1 reactor adapter. */
export function preview1AdapterPath(): string {
  // The package's `exports` hide lib/; its entry is dist/api.js, one level below the root.
  const entry = createRequire(import.meta.url).resolve("@bytecodealliance/jco");
  return join(dirname(dirname(entry)), "lib", "wasi_snapshot_preview1.reactor.wasm");
}

/** The adapter as `componentNew` takes it: `[import module name, adapter bytes]`. */
export async function preview1Adapter(): Promise<[string, Uint8Array]> {
  return [PREVIEW1_MODULE, new Uint8Array(await readFile(preview1AdapterPath()))];
}
