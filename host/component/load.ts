/**
 * @module component/load
 * Loads a component once at startup: checks it is a wasi:http component, transpiles it (or
 * takes it from the cache), caps its memories at `max-memory-mb` (the memory-defining module
 * imports its memory from a per-module pool, see memory-pool.ts), compiles its core modules
 * once, and imports the glue. A handler-module component's manifest is read once, from a
 * throwaway instance (component/manifest.ts). Requests then only instantiate.
 */
import { readFile, stat } from "node:fs/promises";
import type { ProcessLimits } from "../config/types.ts";
import { DEFAULTS } from "../config/schema.ts";
import {
  instrumentCached,
  preemptCoreImports,
  UNINSTRUMENTED,
  withSliceChecks,
  type PreemptPlan,
} from "../preempt/load.ts";
import { isJcoShim } from "../abi/instance.ts";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { RusmError, isRusmError, type SourceLocation } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { MANIFEST_EXPORT } from "../rusm-guest/index.ts";
import { isRusmInterface, PROVIDED_INTERFACES } from "../catalog/index.ts";
import { cacheKey, readEntry, writeEntry, type CacheEntry } from "./cache.ts";
import type { ComponentInstance, IncomingHandler } from "./instance.ts";
import { TRANSPILE_OPTIONS, TRANSPILER, transpileComponent } from "./transpile.ts";
import { MemoryPool, type MemoryPools } from "./memory-pool.ts";
import { chooseAbi, instantiateLeanPooled } from "./lean.ts";
import { compileModule } from "./compile.ts";
import { collapse, errorChain, oneLine } from "./load-error.ts";
import { prewarming } from "./prewarm.ts";
import { PREEMPT_MODULE } from "../preempt/runtime.ts";
import { LoadContext, parseManifest, type HandlerModule } from "./manifest.ts";
import { mapBundlePositions, readSourceMap } from "./source-map.ts";
import {
  MemoryCapError,
  POOLED_MEMORY_IMPORT,
  WASM_PAGE_BYTES,
  binaryKind,
  capMemories,
  importMemory,
  passiveDataSegments,
  type InitialImageModule,
} from "../wasm/binary.ts";

/** What rusm needs to know about a component to load it (config's `[components]` entry). */
export interface ComponentSpec {
  readonly name: string;
  /** Absolute path of the `.wasm` file. */
  readonly path: string;
  readonly maxMemoryMb: number;
  readonly bodyBufferKb: number;
  /** Idle memories its pool keeps (`pool`); absent: as many as fit in 64 MiB, 1 to 64. */
  readonly pool?: number | undefined;
  /** Fresh instances made ahead of requests (`prewarm`); absent: 0. */
  readonly prewarm?: number | undefined;
  /** CPU budget, preemption placement, wall-clock limits; absent: the config defaults. */
  readonly limits?: ProcessLimits | undefined;
  /** Where the component is declared, for error messages. */
  readonly where?: SourceLocation | undefined;
}

/** The limits of a spec that names none: routes.toml's defaults. */
export const DEFAULT_LIMITS: ProcessLimits = {
  maxCpuMs: DEFAULTS.maxCpuMs,
  preempt: DEFAULTS.preempt,
  timeToHeadMs: null,
  maxDurationMs: null,
  maxHostMemoryMb: DEFAULTS.maxHostMemoryMb,
  allowOutbound: [],
  maxOutbound: DEFAULTS.maxOutboundPerProcess,
};

export interface LoadOptions {
  cacheDir: string;
  /** Progress lines for the operator (first transpile of a big component takes seconds). */
  progress?: ((line: string) => void) | undefined;
  /** The server's memory pools (one idle timer, metrics); absent: pools that never shrink. */
  pools?: MemoryPools | undefined;
  /** Where a failed load's whole error chain goes (debug level); the operator sees one line. */
  log?: Logger | undefined;
}

/** A component ready to instantiate once per request. */
export interface LoadedComponent {
  readonly spec: ComponentSpec;
  readonly maxMemoryBytes: number;
  readonly bodyBufferBytes: number;
  readonly limits: ProcessLimits;
  /** Whether its core modules carry preemption checks, and which. */
  readonly preempt: PreemptPlan;
  /** True when it imports rusm:guest or rusm:pubsub interfaces (the `handlers` world). */
  readonly importsRusmGuest: boolean;
  /** The handler modules it exports (its manifest); empty for a plain wasi:http component. */
  readonly modules: readonly HandlerModule[];
  /**
   * Rewrites the guest's stack positions in `text` to its author's source, when the component
   * carries a source map (built by `rusm build`); otherwise returns `text`.
   */
  sourcePositions(text: string): string;
  /**
   * How requests are served: rusm's lean ABI over the main core module alone (abi/), or jco's
   * glue, with the reason the lean path cannot serve this component.
   */
  readonly abi: { readonly kind: "lean" } | { readonly kind: "jco"; readonly reason: string };
  /**
   * A fresh instance with `imports`. `onMemory` sees every linear memory the instance's core
   * modules export (for the OOM classification).
   */
  instantiate(
    imports: Record<string, object>,
    onMemory: (memory: WebAssembly.Memory) => void,
  ): Promise<ComponentInstance>;
  /**
   * Stops making prewarmed instances, drops those not used and retires its memory pools
   * (server shutdown, or the component replaced by `rusm dev`). Processes already running
   * finish; the memories they release are dropped.
   */
  close(): void;
}

type InstantiateFn = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, object>,
  instantiateCore: (
    module: WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<WebAssembly.Instance>,
) => Promise<Record<string, unknown> & { incomingHandler?: IncomingHandler }>;

const HTTP_HANDLER = /^wasi:http\/incoming-handler@0\.2\.\d+$/;

/** `RUSM_COMPONENT_INVALID` for `spec`; `message` is printed on one line (load-error.ts). */
function invalid(spec: ComponentSpec, message: string, hint?: string, cause?: unknown): RusmError {
  return new RusmError(
    "RUSM_COMPONENT_INVALID",
    `component "${spec.name}" (${spec.path}) ${collapse(message)}`,
    {
      where: spec.where,
      hint,
      cause,
    },
  );
}

async function readComponent(spec: ComponentSpec): Promise<Uint8Array> {
  const info = await stat(spec.path).catch(() => null);
  if (info === null || !info.isFile()) {
    throw new RusmError(
      "RUSM_FILE_NOT_FOUND",
      `component "${spec.name}": no file at ${spec.path}`,
      {
        where: spec.where,
        hint: "check the path; paths in routes.toml are relative to the file",
      },
    );
  }
  const bytes = new Uint8Array(await readFile(spec.path));
  const kind = binaryKind(bytes);
  if (kind === "not-wasm") {
    throw invalid(
      spec,
      "is not a WebAssembly binary (no \\0asm header)",
      "point the entry at a .wasm component",
    );
  }
  if (kind === "core-module") {
    throw invalid(
      spec,
      "is a core WebAssembly module, not a component",
      "build a component (wasm32-wasip2, componentize-js, or `jco new` on the module)",
    );
  }
  return bytes;
}

async function transpileCached(
  spec: ComponentSpec,
  bytes: Uint8Array,
  options: LoadOptions,
): Promise<CacheEntry> {
  const key = cacheKey(bytes, TRANSPILER, TRANSPILE_OPTIONS);
  const cached = await readEntry(options.cacheDir, key);
  if (cached !== null) return cached;
  const mb = (bytes.length / 1_048_576).toFixed(1);
  options.progress?.(`transpiling ${spec.name} (${mb} MB) with ${TRANSPILER}…`);
  const started = performance.now();
  const ticker = setInterval(() => {
    options.progress?.(
      `  …still transpiling ${spec.name} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  }, 5000);
  try {
    const out = await transpileComponent(bytes, "component").catch((err: unknown) => {
      throw invalid(spec, `could not be transpiled: ${oneLine(err)}`, undefined, err);
    });
    const files: Record<string, Uint8Array> = {};
    for (const [file, content] of Object.entries(out.files)) {
      // .mjs: the glue is an ES module wherever the cache lives.
      files[file.endsWith(".js") ? file.replace(/\.js$/, ".mjs") : file] = content;
    }
    const entry = await writeEntry(options.cacheDir, key, files, {
      imports: out.imports,
      exports: out.exports,
    });
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    options.progress?.(`transpiled ${spec.name} in ${secs} s (cached)`);
    return entry;
  } finally {
    clearInterval(ticker);
  }
}

function checkInterfaces(spec: ComponentSpec, entry: CacheEntry): void {
  if (!entry.meta.exports.some((e) => HTTP_HANDLER.test(e))) {
    const exported = entry.meta.exports.filter((e) => e.includes(":"));
    throw new RusmError(
      "RUSM_COMPONENT_NOT_HTTP",
      `component "${spec.name}" (${spec.path}) does not export wasi:http/incoming-handler@0.2.x; it exports ${exported.length > 0 ? exported.join(", ") : "nothing"}`,
      {
        where: spec.where,
        hint: "rusm serves wasi:http proxy components: build the guest for the wasi:http/proxy world",
      },
    );
  }
  const missing = entry.meta.imports.filter((i) => !PROVIDED_INTERFACES.has(i));
  if (missing.length > 0) {
    throw invalid(
      spec,
      `imports ${missing.join(", ")}, which rusm does not provide`,
      "remove the dependency from the guest, or ask for the interface in an issue",
    );
  }
}

interface CompiledModules {
  byName: Map<string, WebAssembly.Module>;
  /** The modules whose memory is imported from a pool. */
  pools: Map<WebAssembly.Module, MemoryPool>;
  /** The modules with preemption checks (they import `rusm:preempt`). */
  instrumented: Set<WebAssembly.Module>;
  preempt: PreemptPlan;
}

/**
 * The module to compile once its data segments are the pooled memory's image: with no data
 * segments at all when it never names one (V8 keeps two per-instance arrays with an entry per
 * segment: ~117 KiB per StarlingMonkey instance, and a little instantiation time), else with
 * them passive. Whether it names one, V8's validation says (~30 ms for StarlingMonkey's 14 MB).
 */
function withoutUnusedSegments(initial: InitialImageModule): Uint8Array {
  const bare = initial.withoutSegments?.();
  return bare !== undefined && WebAssembly.validate(bare) ? bare : initial.bytes;
}

/** jco's own tiny modules (import trampolines) need no checks; a guest's modules are larger. */
function isShim(bytes: Uint8Array): boolean {
  return bytes.length < 65_536 && isJcoShim(new WebAssembly.Module(bytes));
}

/**
 * Adds preemption checks to a guest module (preempt/instrument). A module the rewriter cannot
 * read is served without checks: the returned plan says why.
 */
async function withChecks(
  spec: ComponentSpec,
  file: string,
  bytes: Uint8Array,
  limits: ProcessLimits,
  cacheDir: string,
): Promise<{ bytes: Uint8Array; problem?: string }> {
  if (limits.preempt === "none" || isShim(bytes)) return { bytes };
  try {
    return { bytes: await instrumentCached(bytes, limits.preempt, cacheDir) };
  } catch (err) {
    const problem = `${file} could not be instrumented (${(err as Error).message}); it runs without preemption checks`;
    return { bytes, problem: `component "${spec.name}": ${problem}` };
  }
}

async function compileModules(
  spec: ComponentSpec,
  entry: CacheEntry,
  maxPages: number,
  memoryPools: MemoryPools | undefined,
  limits: ProcessLimits,
  cacheDir: string,
): Promise<CompiledModules> {
  const byName = new Map<string, WebAssembly.Module>();
  const pools = new Map<WebAssembly.Module, MemoryPool>();
  const instrumented = new Set<WebAssembly.Module>();
  let problem: string | undefined;
  for (const file of entry.meta.files.filter((f) => f.endsWith(".wasm"))) {
    const raw = new Uint8Array(await readFile(join(entry.dir, file)));
    let bytes: Uint8Array;
    let pool: MemoryPool | undefined;
    try {
      const pooled = importMemory(raw, maxPages);
      if (pooled === null) {
        bytes = capMemories(raw, maxPages).bytes;
      } else {
        // The data segments become the pooled memory's image; when they cannot (an offset
        // that is not a constant), instantiation writes them into a zeroed memory instead.
        const initial = passiveDataSegments(pooled.bytes, Number(pooled.memory.initialPages));
        const options = { size: spec.pool, image: initial?.image };
        pool =
          memoryPools?.create(spec.name, pooled.memory, options) ??
          new MemoryPool(pooled.memory, options);
        bytes = initial === null ? pooled.bytes : withoutUnusedSegments(initial);
      }
    } catch (err) {
      if (!(err instanceof MemoryCapError)) {
        throw invalid(
          spec,
          `has a core module rusm cannot read (${file}): ${oneLine(err)}`,
          undefined,
          err,
        );
      }
      throw new RusmError("RUSM_MEMORY_LIMIT", `component "${spec.name}": ${err.message}`, {
        where: spec.where,
        hint: `raise max-memory-mb for this component (now ${spec.maxMemoryMb})`,
      });
    }
    const checked = await withChecks(spec, file, bytes, limits, cacheDir);
    problem ??= checked.problem;
    let module: WebAssembly.Module;
    try {
      module = await compileModule(checked.bytes);
    } catch (err) {
      throw invalid(
        spec,
        `has a core module V8 rejects (${file}): ${oneLine(err)}`,
        undefined,
        err,
      );
    }
    byName.set(file, module);
    if (pool !== undefined) pools.set(module, pool);
    if (checked.bytes !== bytes) instrumented.add(module);
  }
  const preempt: PreemptPlan =
    instrumented.size === 0
      ? { ...UNINSTRUMENTED, problem }
      : {
          placement: limits.preempt,
          instrumented: true,
          killChecks: limits.preempt === "calls" || limits.preempt === "kill",
          problem,
        };
  return { byName, pools, instrumented, preempt };
}

/**
 * Loads one component. Throws a RusmError naming the component and its config line, whose
 * message is one line whatever jco, wasm-tools or V8 threw (anything that is not a RusmError
 * becomes `RUSM_COMPONENT_INVALID`); the whole chain goes to `options.log` at debug level.
 */
export async function loadComponent(
  spec: ComponentSpec,
  options: LoadOptions,
): Promise<LoadedComponent> {
  try {
    return await load(spec, options);
  } catch (err) {
    options.log?.debug(
      { component: spec.name, path: spec.path, error: errorChain(err) },
      "component failed to load",
    );
    if (!isRusmError(err))
      throw invalid(spec, `could not be loaded: ${oneLine(err)}`, undefined, err);
    const hint = err.hint === undefined ? undefined : collapse(err.hint);
    throw new RusmError(err.code, collapse(err.message), { where: err.where, hint, cause: err });
  }
}

async function load(spec: ComponentSpec, options: LoadOptions): Promise<LoadedComponent> {
  const bytes = await readComponent(spec);
  const entry = await transpileCached(spec, bytes, options);
  checkInterfaces(spec, entry);
  const maxMemoryBytes = spec.maxMemoryMb * 1_048_576;
  const limits = spec.limits ?? DEFAULT_LIMITS;
  const {
    byName: coreModules,
    pools,
    instrumented,
    preempt,
  } = await compileModules(
    spec,
    entry,
    Math.floor(maxMemoryBytes / WASM_PAGE_BYTES),
    options.pools,
    limits,
    options.cacheDir,
  );
  const glue = entry.meta.files.find((f) => f.endsWith(".mjs"));
  if (glue === undefined) throw invalid(spec, "transpiled without a glue module (damaged cache?)");
  const gluePath = join(entry.dir, glue);
  const { instantiate } = (await import(pathToFileURL(gluePath).href)) as {
    instantiate: InstantiateFn;
  };
  const lean = chooseAbi(coreModules, await readFile(gluePath, "utf8"));

  const getCoreModule = (name: string): WebAssembly.Module => {
    const module = coreModules.get(name);
    if (module === undefined) throw new Error(`glue asked for unknown core module ${name}`);
    return module;
  };

  const sourceMap = readSourceMap(bytes);
  const component: Mutable<Omit<LoadedComponent, "modules">> = {
    spec,
    importsRusmGuest: entry.meta.imports.some(isRusmInterface),
    sourcePositions: (text) => (sourceMap === null ? text : mapBundlePositions(text, sourceMap)),
    maxMemoryBytes,
    bodyBufferBytes: spec.bodyBufferKb * 1024,
    limits,
    preempt,
    abi: lean.ok ? { kind: "lean" } : { kind: "jco", reason: lean.reason },
    instantiate: lean.ok
      ? (imports, onMemory) => instantiateLeanPooled(lean.lean, pools, imports, onMemory)
      : viaGlue,
    close: () => retirePools(),
  };
  // Its pools go with it: a replaced version's memories never reach the new one's pools.
  function retirePools(): void {
    for (const pool of new Set(pools.values())) {
      if (options.pools === undefined) pool.retire();
      else options.pools.remove(pool);
    }
  }
  const prewarm = spec.prewarm ?? 0;
  if (prewarm > 0) {
    const warm = prewarming(component.instantiate.bind(component), prewarm, () =>
      new LoadContext().imports(),
    );
    component.instantiate = (imports, onMemory) => warm.instantiate(imports, onMemory);
    component.close = () => {
      warm.close();
      retirePools();
    };
  }
  async function viaGlue(
    imports: Record<string, object>,
    onMemory: (memory: WebAssembly.Memory) => void,
  ): Promise<ComponentInstance> {
    const taken: Array<[MemoryPool, WebAssembly.Memory]> = [];
    const release = (clean: boolean): void => {
      for (const [pool, memory] of taken.splice(0)) pool.release(memory, clean);
    };
    // Synchronous instantiation: the modules are compiled, and for a small module the async
    // API costs more than the work.
    const instantiateCore = (
      module: WebAssembly.Module,
      coreImports: WebAssembly.Imports = {},
    ): Promise<WebAssembly.Instance> => {
      const pool = pools.get(module);
      if (pool !== undefined) {
        const memory = pool.acquire();
        taken.push([pool, memory]);
        onMemory(memory);
        coreImports = {
          ...coreImports,
          [POOLED_MEMORY_IMPORT.module]: { [POOLED_MEMORY_IMPORT.name]: memory },
        };
      }
      let instance: WebAssembly.Instance;
      if (instrumented.has(module)) {
        const checked = withSliceChecks(coreImports);
        instance = new WebAssembly.Instance(module, {
          ...checked.imports,
          [PREEMPT_MODULE]: preemptCoreImports(imports),
        });
        checked.attach(instance);
      } else {
        instance = new WebAssembly.Instance(module, coreImports);
      }
      for (const value of Object.values(instance.exports)) {
        if (value instanceof WebAssembly.Memory) onMemory(value);
      }
      return Promise.resolve(instance);
    };
    try {
      const root = await instantiate(getCoreModule, imports, instantiateCore);
      if (root.incomingHandler === undefined) {
        throw new Error("instance has no incomingHandler export");
      }
      return { handler: root.incomingHandler, exports: root, release };
    } catch (err) {
      release(false);
      throw err;
    }
  }
  const manifestExport = entry.meta.exports.find((e) => e.startsWith(`${MANIFEST_EXPORT}@`));
  const modules =
    manifestExport === undefined ? [] : await readManifest(spec, viaGlue, manifestExport);
  return { ...component, modules };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface ManifestExport {
  modules(): unknown;
}

/** Calls the manifest export on a throwaway instance. */
async function readManifest(
  spec: ComponentSpec,
  instantiate: LoadedComponent["instantiate"],
  exportName: string,
): Promise<HandlerModule[]> {
  const ctx = new LoadContext();
  let raw: unknown;
  try {
    const instance = await instantiate(ctx.imports(), () => undefined);
    try {
      raw = (instance.exports[exportName] as ManifestExport).modules();
    } finally {
      instance.release(false);
    }
  } catch (err) {
    const printed = ctx.output.trim();
    throw invalid(
      spec,
      `failed in its manifest export (${exportName}): ${oneLine(err)}${printed ? `; it printed: ${printed}` : ""}`,
      "the manifest must list the handler modules without doing I/O; rebuild with `rusm build`",
      err,
    );
  }
  const parsed = parseManifest(raw);
  if (!parsed.ok) {
    throw invalid(spec, `has an invalid manifest (${exportName}): ${parsed.reason}`);
  }
  return parsed.modules;
}
