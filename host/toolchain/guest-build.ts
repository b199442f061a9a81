/**
 * @module toolchain/guest-build
 * `rusm build <entry.ts|.js> -o <out.wasm>`: a TypeScript/JavaScript guest to a component,
 * with none of the toolchain's workarounds showing.
 *
 * 1. esbuild bundles the entry (its errors point at the author's file:line:column) and says
 *    what it exports: a default `handle` (the plain wasi:http shape), handler modules, or both.
 * 2. A generated entry wraps it with the SDK runtime (sdk/ts/runtime.ts), which serves the
 *    fetch event and answers the `rusm:guest/manifest` export.
 * 3. componentize-js (StarlingMonkey) builds it against the derived WASI 0.2.10 `handlers`
 *    world (toolchain/wit.ts), in a child process so progress can be printed
 *    (toolchain/componentize-child.ts), with preview2-shim's preopens set (toolchain/preopens.ts).
 *
 * `engine: "quickjs"` (`rusm build --engine quickjs`) takes the QuickJS backend instead of
 * step 3 (toolchain/quickjs.ts): the same SDK runtime over a platform layer, QuickJS's memory
 * snapshotted with the guest evaluated; about 1 s and a 1.3 MB component.
 *
 * The result is cached by content: the bundle, the WIT, the tool versions and the recipe.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describeBundleFailure, GUEST_BUNDLE_OPTIONS } from "./esbuild.ts";
import { RusmError, type SourceLocation } from "../errors.ts";
import {
  BUNDLE_NAME,
  mapBundlePositions,
  shownPath,
  SOURCE_MAP_SECTION,
} from "../component/source-map.ts";
import { defaultCacheDir } from "../component/cache.ts";
import { appendCustomSection } from "../wasm/binary.ts";
import { ERROR_MARKER, type ComponentizeJob } from "./componentize-job.ts";
import {
  buildQuickJsComponent,
  QUICKJS_BUNDLE_OPTIONS,
  QUICKJS_ENTRY,
  QUICKJS_INPUTS,
} from "./quickjs.ts";
import { findMissingGlobals } from "./quickjs-missing.ts";
import { RECIPE_VERSION, toolVersions } from "./versions.ts";
import {
  deriveStarlingMonkeyWit,
  STARLINGMONKEY_HANDLERS_WORLD,
  starlingMonkeyWitInputs,
} from "./wit.ts";

/** The SDK runtime the generated entry imports. */
const RUNTIME = fileURLToPath(new URL("../../sdk/ts/runtime.ts", import.meta.url));
/** componentize-child.ts, or its .js when rusm runs compiled (installed from its package). */
const CHILD = fileURLToPath(
  new URL(
    `./componentize-child${import.meta.url.endsWith(".js") ? ".js" : ".ts"}`,
    import.meta.url,
  ),
);
const ENTRY_EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);

/** The JavaScript engine a TypeScript guest is built with. */
export type Engine = "starlingmonkey" | "quickjs";
export const ENGINES: readonly Engine[] = ["starlingmonkey", "quickjs"];

export interface GuestBuildOptions {
  /** Absolute path of the entry module. */
  entry: string;
  /** Absolute path of the component to write. */
  out: string;
  /** Where built components are cached (`<cacheDir>/builds/`); null: no cache. */
  cacheDir: string | null;
  /** Default: StarlingMonkey (componentize-js). */
  engine?: Engine | undefined;
  progress?: ((line: string) => void) | undefined;
}

/** What the entry exports, as the build saw it. */
export interface GuestShape {
  /** `export default` a handle(request) function: routable by component name. */
  plain: boolean;
  /** The other exports: handler modules, if they hold functions (checked at snapshot time). */
  exports: string[];
}

export interface GuestBuildResult {
  shape: GuestShape;
  /** The files the bundle was made of (absolute; the SDK's included): what `rusm dev` watches. */
  inputs: string[];
  bytes: number;
  cached: boolean;
  ms: number;
}

function invalid(message: string, where?: SourceLocation, hint?: string, cause?: unknown) {
  return new RusmError("RUSM_GUEST_BUILD", message, { where, hint, cause });
}

function fromEsbuild(entry: string, err: unknown, engine?: Engine): RusmError {
  const failure = describeBundleFailure(err);
  if (failure === null) return invalid(`${entry}: cannot bundle: ${String(err)}`);
  const more = failure.others > 0 ? ` (and ${failure.others} more)` : "";
  // Syntax QuickJS cannot run (it has ES2020) is refused by esbuild's target.
  const hint =
    engine === "quickjs" && failure.text.includes("configured target environment")
      ? "QuickJS runs ES2020: rewrite this, or build with the default engine (StarlingMonkey)"
      : undefined;
  return invalid(`cannot bundle the guest: ${failure.text}${more}`, failure.where, hint, err);
}

/** Pass 1: the author's entry alone, for its errors, its export names and its input files. */
async function inspectEntry(entry: string): Promise<{ shape: GuestShape; inputs: string[] }> {
  try {
    const result = await build({
      ...GUEST_BUNDLE_OPTIONS,
      entryPoints: [entry],
      outfile: join(tmpdir(), "rusm-inspect.js"),
      metafile: true,
    });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    const exports = output?.exports ?? [];
    // esbuild's paths are relative to the working directory; `ns:path` ones are not files.
    const inputs = Object.keys(result.metafile.inputs)
      .filter((input) => !/^[a-z-]+:/.test(input))
      .map((input) => resolve(input));
    return {
      shape: {
        plain: exports.includes("default"),
        exports: exports.filter((e) => e !== "default"),
      },
      inputs,
    };
  } catch (err) {
    throw fromEsbuild(entry, err);
  }
}

interface Bundle {
  code: string;
  map: SourceMap;
  /** The map as JSON (sources absolute), stored in the component. */
  mapJson: string;
}

/**
 * Pass 2: the generated entry (runtime + the author's module) as one ES module + source map;
 * for QuickJS one script, the platform layer first.
 */
async function bundleWithRuntime(entry: string, outDir: string, engine: Engine): Promise<Bundle> {
  const quickjs = engine === "quickjs";
  const contents = [
    ...(quickjs ? [QUICKJS_ENTRY.before] : []),
    `import * as entry from ${JSON.stringify(entry)};`,
    `import { serve } from ${JSON.stringify(RUNTIME)};`,
    `${quickjs ? "" : "export "}const manifest = serve(entry, ${JSON.stringify(basename(entry))});`,
    ...(quickjs ? [QUICKJS_ENTRY.after] : []),
    "",
  ].join("\n");
  try {
    const result = await build({
      ...(quickjs ? QUICKJS_BUNDLE_OPTIONS : GUEST_BUNDLE_OPTIONS),
      stdin: { contents, resolveDir: dirname(entry), sourcefile: "rusm-entry.js", loader: "js" },
      sourcemap: "external",
      sourcesContent: false,
      outfile: join(outDir, BUNDLE_NAME),
    });
    const code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    const mapText = result.outputFiles.find((f) => f.path.endsWith(".map"))!.text;
    const payload = JSON.parse(mapText) as SourceMapPayload;
    // Sources are relative to the bundle's directory: make them absolute.
    payload.sources = payload.sources.map((s) => join(outDir, s));
    return { code, map: new SourceMap(payload), mapJson: JSON.stringify(payload) };
  } catch (err) {
    throw fromEsbuild(entry, err, engine);
  }
}

async function cacheKey(bundle: string, wit: string[], engine: Engine): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`rusm-build recipe ${RECIPE_VERSION}\n${JSON.stringify(await toolVersions())}\n`);
  hash.update(`engine ${engine}\n`);
  const inputs = engine === "quickjs" ? [...wit, ...QUICKJS_INPUTS] : wit;
  for (const file of inputs) hash.update(`${file}\n`).update(await readFile(file));
  return hash.update(bundle).digest("hex");
}

function runChild(job: ComponentizeJob, jobPath: string, progress: (line: string) => void) {
  return new Promise<{ code: number | null; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [CHILD, jobPath], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.on("data", () => undefined);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const started = performance.now();
    const ticker = setInterval(() => {
      const s = ((performance.now() - started) / 1000).toFixed(0);
      progress(`  …still componentizing (${s} s)`);
    }, 5000);
    child.once("error", (err) => {
      clearInterval(ticker);
      fail(err);
    });
    child.once("close", (code) => {
      clearInterval(ticker);
      done({ code, stderr });
    });
  });
}

function childError(stderr: string): string {
  const line = stderr
    .split("\n")
    .reverse()
    .find((l) => l.includes(ERROR_MARKER));
  if (line === undefined) return stderr.trim() || "componentize-js exited without a message";
  return (JSON.parse(line) as Record<string, string>)[ERROR_MARKER] ?? line;
}

function explain(message: string, map: SourceMap, entry: string): RusmError {
  const mapped = mapBundlePositions(message, map);
  const own = /rusm: (.*)/.exec(mapped)?.[1];
  if (own !== undefined) return invalid(`${shownPath(entry)}: ${own}`);
  const thrown = /Exception while evaluating top-level script\n(.*)/.exec(mapped)?.[1];
  if (thrown !== undefined) {
    // StarlingMonkey prints `file:line:col Error: message`; the position is mapped already.
    // (QuickJS gives no column: `file:line Error: message`.)
    const at = /^(.+?):(\d+)(?::(\d+))? (.*)$/.exec(thrown);
    const where =
      at === null
        ? undefined
        : { file: resolve(at[1]!), line: Number(at[2]), column: Number(at[3] ?? 1) };
    return invalid(
      `the guest threw while its top level ran at build time: ${at?.[4] ?? thrown}`,
      where,
      "the top level runs once, when the component is built: move request work into the handlers",
    );
  }
  return invalid(`componentize-js failed: ${mapped}`);
}

async function writeAtomically(out: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, out);
}

/**
 * Builds the guest at `options.entry` into `options.out`.
 *
 * Errors: `RUSM_FILE_NOT_FOUND` (no entry), `RUSM_GUEST_BUILD` (a bundle error at the author's
 * file:line:column, an entry with no handler, an exception at the top level, a componentize
 * failure).
 */
export async function buildGuest(options: GuestBuildOptions): Promise<GuestBuildResult> {
  const { entry, out, cacheDir } = options;
  const progress = options.progress ?? (() => undefined);
  const started = performance.now();
  const info = await stat(entry).catch(() => null);
  if (info === null || !info.isFile()) {
    throw new RusmError("RUSM_FILE_NOT_FOUND", `no guest entry at ${entry}`, {
      hint: "give the path of the guest's .ts or .js entry module",
    });
  }
  if (!ENTRY_EXTENSIONS.has(extname(entry))) {
    throw invalid(
      `${entry} is not a TypeScript or JavaScript module`,
      undefined,
      "the entry must end in .ts, .mts, .js or .mjs",
    );
  }
  progress(`bundling ${shownPath(entry)}…`);
  const { shape, inputs } = await inspectEntry(entry);
  if (!shape.plain && shape.exports.length === 0) {
    throw invalid(
      `${shownPath(entry)} exports nothing rusm can serve`,
      { file: entry, line: 1, column: 1 },
      "add `export default function handle(request: Request): Response`, or handler modules such as `export const api = { feed(req, params, sse) { ... } }`",
    );
  }
  const engine = options.engine ?? "starlingmonkey";
  const work = await mkdtemp(join(tmpdir(), "rusm-build-"));
  try {
    const bundle = await bundleWithRuntime(entry, work, engine);
    if (engine === "quickjs") {
      for (const m of findMissingGlobals(bundle.code, bundle.map)) {
        progress(
          `warning: ${m.file}:${m.line}:${m.column}: \`${m.name}\` does not exist on QuickJS: code that reaches it throws ReferenceError (docs/guest-guide.md, "Two engines")`,
        );
      }
    }
    const key = await cacheKey(bundle.code, starlingMonkeyWitInputs(), engine);
    const cached = cacheDir === null ? null : join(cacheDir, "builds", `${key}.wasm`);
    if (
      cached !== null &&
      (await stat(cached).then(
        () => true,
        () => false,
      ))
    ) {
      await mkdir(dirname(out), { recursive: true });
      await copyFile(cached, out);
      const bytes = (await stat(out)).size;
      return { shape, inputs, bytes, cached: true, ms: performance.now() - started };
    }
    const component =
      engine === "quickjs"
        ? await buildWithQuickJs(bundle, entry, cacheDir, progress)
        : await buildWithStarlingMonkey(bundle, entry, work, progress);
    if (cached !== null) await writeAtomically(cached, component);
    await writeAtomically(out, component);
    return {
      shape,
      inputs,
      bytes: component.length,
      cached: false,
      ms: performance.now() - started,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The bundle's source map goes in the component: crash logs then point at the author's lines. */
function withSourceMap(component: Uint8Array, bundle: Bundle): Uint8Array {
  return appendCustomSection(component, SOURCE_MAP_SECTION, Buffer.from(bundle.mapJson, "utf8"));
}

async function buildWithQuickJs(
  bundle: Bundle,
  entry: string,
  cacheDir: string | null,
  progress: (line: string) => void,
): Promise<Uint8Array> {
  progress("snapshotting with QuickJS…");
  try {
    // The engine is built once per machine: in the default cache even when builds are not cached.
    const built = await buildQuickJsComponent(bundle.code, cacheDir ?? defaultCacheDir(), progress);
    return withSourceMap(built.component, bundle);
  } catch (err) {
    if (err instanceof RusmError && err.message.startsWith("Exception while evaluating")) {
      throw explain(err.message, bundle.map, entry);
    }
    throw err;
  }
}

async function buildWithStarlingMonkey(
  bundle: Bundle,
  entry: string,
  work: string,
  progress: (line: string) => void,
): Promise<Uint8Array> {
  progress(
    "componentizing with StarlingMonkey (componentize-js): ~10 s on an idle machine, minutes on a busy one, ~0.9 GB of memory…",
  );
  const witPath = await deriveStarlingMonkeyWit(join(work, "wit"));
  const job: ComponentizeJob = {
    sourcePath: join(work, BUNDLE_NAME),
    witPath,
    worldName: STARLINGMONKEY_HANDLERS_WORLD,
    outPath: join(work, "component.wasm"),
  };
  await writeFile(job.sourcePath, bundle.code);
  const jobPath = join(work, "job.json");
  await writeFile(jobPath, JSON.stringify(job));
  const { code, stderr } = await runChild(job, jobPath, progress);
  if (code !== 0) throw explain(childError(stderr), bundle.map, entry);
  return withSourceMap(await readFile(job.outPath), bundle);
}
