/**
 * @module abi/instance
 * The lean path: a process's instance made from the component's main core module alone, its
 * imports lowered by rusm ({@link lowerImport}) instead of jco's generated glue.
 *
 * jco still transpiles the component at load: that yields the core modules and tells which one
 * holds the guest. A component takes the lean path when its main module imports only functions
 * of the interfaces the catalog gives it descriptors for (plus the pooled memory), exports
 * `wasi:http/incoming-handler@0.2.x#handle`, and the transpile's other core modules are only
 * jco's import shims (an indirect-call table and the module that fills it), which the lean
 * path does not need. Anything else (a WASI adapter module, `wasi:filesystem`, a non-UTF-8
 * string encoding) keeps jco's glue; {@link leanPlan} says why.
 *
 * Each instance gets its own handle table; the handles of a finished process are dropped with
 * it (the process disposes the host resources it owns, process/process.ts).
 */
import { preemptCoreImports, withSliceChecks } from "../preempt/load.ts";
import { PREEMPT_MODULE } from "../preempt/runtime.ts";
import { HANDLE_CORE_EXPORT, promising } from "../wasi/jspi.ts";
import { HandleTable } from "./handles.ts";
import { incomingRequestRes, responseOutparamRes } from "./interfaces/index.ts";
import { hostFunction, lowerImport, plan, type LoweringPlan } from "./lower.ts";
import type { InterfaceSig } from "./signature.ts";
import type { AbiContext } from "./values.ts";

/** How one core import is served. */
interface ImportPlan {
  readonly module: string;
  readonly name: string;
  /** Unversioned interface, the key of the host import objects. */
  readonly iface: string;
  readonly lowering: LoweringPlan;
  readonly blocking: boolean;
}

/** A main module the lean path can serve, and how. */
export interface LeanModule {
  readonly module: WebAssembly.Module;
  readonly imports: readonly ImportPlan[];
  readonly handleExport: string;
  /** The module imports its memory (`memoryImport`), from the pool; else it exports it. */
  readonly memoryImport: { module: string; name: string } | null;
  /** The module carries preemption checks: it imports `rusm:preempt` (preempt/load). */
  readonly preempt: boolean;
}

export type LeanVerdict =
  | { readonly ok: true; readonly lean: LeanModule }
  | { readonly ok: false; readonly reason: string };

/** jco's helper modules: a table of indirect calls, or the module that fills it. */
export function isJcoShim(module: WebAssembly.Module): boolean {
  const imports = WebAssembly.Module.imports(module);
  const exports = WebAssembly.Module.exports(module);
  const shim =
    imports.length === 0 &&
    exports.some((e) => e.kind === "table" && e.name === "$imports") &&
    exports.every((e) => e.kind === "function" || e.kind === "table");
  const fixup =
    exports.length === 0 &&
    imports.some((i) => i.kind === "table" && i.name === "$imports") &&
    imports.every((i) => i.kind === "function" || i.kind === "table");
  return shim || fixup;
}

/**
 * Whether the lean path can serve a component. `modules`: its core modules; `interfaces`: the
 * descriptors of what the host serves, by unversioned name (catalog/); `blocking`: the
 * `interface#function` names that may wait (JSPI); `glue`: jco's generated JS (read for the
 * string encoding); `memoryImport`: where the pooled memory is imported, if it is.
 */
export function leanPlan(
  modules: readonly WebAssembly.Module[],
  interfaces: ReadonlyMap<string, InterfaceSig>,
  blocking: ReadonlySet<string>,
  glue: string,
  memoryImport: { module: string; name: string },
): LeanVerdict {
  const main = modules.filter((m) =>
    WebAssembly.Module.exports(m).some(
      (e) => e.kind === "function" && HANDLE_CORE_EXPORT.test(e.name),
    ),
  );
  if (main.length !== 1) return { ok: false, reason: "no single core module exports handle" };
  const module = main[0]!;
  if (!modules.every((m) => m === module || isJcoShim(m))) {
    return { ok: false, reason: "it has more than one core module of its own (an adapter?)" };
  }
  if (/utf16|latin1/i.test(glue)) {
    return { ok: false, reason: "it lowers strings as UTF-16" };
  }
  const exports = WebAssembly.Module.exports(module);
  const handleExport = exports.find((e) => HANDLE_CORE_EXPORT.test(e.name))!.name;
  if (exports.some((e) => e.name === "_initialize" || e.name === "_start")) {
    return { ok: false, reason: "its core module has an initializer" };
  }
  let pooledMemory = false;
  let preempt = false;
  const imports: ImportPlan[] = [];
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind === "memory" && i.module === memoryImport.module && i.name === memoryImport.name) {
      pooledMemory = true;
      continue;
    }
    if (i.module === PREEMPT_MODULE) {
      preempt = true;
      continue;
    }
    const iface = i.module.replace(/@[^@]*$/, "");
    const sig = i.kind === "function" ? interfaces.get(iface)?.funcs.get(i.name) : undefined;
    if (sig === undefined) {
      return {
        ok: false,
        reason: `it imports ${i.module}#${i.name}, which the lean ABI does not serve`,
      };
    }
    imports.push({
      module: i.module,
      name: i.name,
      iface,
      lowering: plan(sig),
      blocking: blocking.has(`${iface}#${i.name}`),
    });
  }
  if (!pooledMemory && !exports.some((e) => e.kind === "memory" && e.name === "memory")) {
    return { ok: false, reason: "its core module neither imports nor exports its memory" };
  }
  return {
    ok: true,
    lean: {
      module,
      imports,
      handleExport,
      memoryImport: pooledMemory ? memoryImport : null,
      preempt,
    },
  };
}

/** A lean instance: the guest's `handle`, called once. */
export interface LeanInstance {
  handle(request: unknown, responseOut: unknown): Promise<void>;
}

function unsetRealloc(): number {
  throw new Error("the guest has no cabi_realloc export, so it cannot receive strings or lists");
}

/** Instantiates the main module with `host` (the jco-shaped import objects of one process). */
export function instantiateLean(
  lean: LeanModule,
  host: Record<string, object>,
  memory: WebAssembly.Memory | null,
  onMemory: (memory: WebAssembly.Memory) => void,
): LeanInstance {
  const handles = new HandleTable();
  const cx: { -readonly [K in keyof AbiContext]: AbiContext[K] } = {
    memory: memory as WebAssembly.Memory,
    realloc: unsetRealloc,
    handles,
  };
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of lean.imports) {
    const ns = host[i.iface] as Record<string, unknown> | undefined;
    if (ns === undefined) throw new Error(`no host implementation of ${i.iface}`);
    (imports[i.module] ??= {})[i.name] = lowerImport(
      i.lowering,
      hostFunction(i.lowering.sig, ns),
      cx,
      i.blocking,
    );
  }
  if (lean.memoryImport !== null) {
    if (memory === null) throw new Error("the lean module imports a memory but none was given");
    (imports[lean.memoryImport.module] ??= {})[lean.memoryImport.name] = memory;
  }
  let instance: WebAssembly.Instance;
  if (lean.preempt) {
    const checked = withSliceChecks(imports);
    instance = new WebAssembly.Instance(lean.module, {
      ...checked.imports,
      [PREEMPT_MODULE]: preemptCoreImports(host),
    });
    checked.attach(instance);
  } else {
    instance = new WebAssembly.Instance(lean.module, imports);
  }
  const exports = instance.exports;
  if (lean.memoryImport === null) {
    cx.memory = exports.memory as WebAssembly.Memory;
    onMemory(cx.memory);
  }
  if (typeof exports.cabi_realloc === "function") {
    cx.realloc = exports.cabi_realloc as AbiContext["realloc"];
  }
  const handle = promising(exports[lean.handleExport] as (a: number, b: number) => unknown);
  return {
    async handle(request, responseOut) {
      await handle(
        handles.insert(incomingRequestRes, request),
        handles.insert(responseOutparamRes, responseOut),
      );
    },
  };
}
