/**
 * @module component/lean
 * Choosing the lean ABI for a component (abi/instance.ts: which components it serves), and
 * making a lean instance with a memory from the component's pool.
 */
import { instantiateLean, leanPlan, type LeanModule, type LeanVerdict } from "../abi/instance.ts";
import { BLOCKING_IMPORTS, LEAN_INTERFACES } from "../catalog/index.ts";
import type { ComponentInstance } from "./instance.ts";
import type { MemoryPool } from "./memory-pool.ts";
import { POOLED_MEMORY_IMPORT } from "../wasm/binary.ts";

/** `RUSM_ABI=jco` serves every component through jco's glue (a diagnostic switch, read once). */
const FORCE_GLUE = process.env.RUSM_ABI === "jco";

/** The blocking imports as `interface#function`, for the lean ABI's JSPI wrapping. */
const BLOCKING: ReadonlySet<string> = new Set(BLOCKING_IMPORTS);

/** Whether the lean ABI serves this component (abi/instance.ts), or why not. */
export function chooseAbi(modules: Map<string, WebAssembly.Module>, glue: string): LeanVerdict {
  if (FORCE_GLUE) return { ok: false, reason: "RUSM_ABI=jco" };
  return leanPlan([...modules.values()], LEAN_INTERFACES, BLOCKING, glue, POOLED_MEMORY_IMPORT);
}

/** A lean instance with a pooled memory (when the main module imports one). */
export function instantiateLeanPooled(
  lean: LeanModule,
  pools: Map<WebAssembly.Module, MemoryPool>,
  imports: Record<string, object>,
  onMemory: (memory: WebAssembly.Memory) => void,
): Promise<ComponentInstance> {
  const pool = lean.memoryImport === null ? undefined : pools.get(lean.module);
  const memory = pool?.acquire() ?? null;
  let released = false;
  const release = (clean: boolean): void => {
    if (released) return;
    released = true;
    if (pool !== undefined && memory !== null) pool.release(memory, clean);
  };
  try {
    if (memory !== null) onMemory(memory);
    const instance = instantiateLean(lean, imports, memory, onMemory);
    return Promise.resolve({ handler: instance, exports: {}, release });
  } catch (err) {
    release(false);
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
