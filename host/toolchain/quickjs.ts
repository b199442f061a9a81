/**
 * @module toolchain/quickjs
 * The QuickJS backend of `rusm build` (`--engine quickjs`): a TypeScript guest
 * becomes a component of `rusm:guest/handlers` whose one core module is QuickJS with the
 * guest's bundle already evaluated in its memory.
 *
 * 1. The engine (once per machine, cached by its inputs): QuickJS's C sources from the npm
 *    package `qjsc` (2021-03-27) and sdk/ts/quickjs/engine.c, compiled by Debian's clang-19 for
 *    wasm32-wasi and linked with Debian's wasi-libc. Its imports are canonical-ABI functions
 *    of the handlers world only (engine.c defines the preview1 calls wasi-libc makes).
 * 2. The bundle: esbuild, one script (IIFE): the platform layer (sdk/ts/quickjs/platform.ts:
 *    Fetch API classes, timers, console), the SDK runtime (sdk/ts/runtime.ts, unchanged; its
 *    `rusm:*` imports mapped to sdk/ts/quickjs/wit.ts) and the guest's module.
 * 3. The snapshot (toolchain/snapshot.ts): the engine is instantiated in Node, evaluates the
 *    bundle (the guest's top level runs here, as under wizer), and its memory becomes the
 *    module's initial data.
 * 4. jco embeds the handlers world and makes the component.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { componentEmbed, componentNew } from "@bytecodealliance/jco";
import type { BuildOptions, Plugin } from "esbuild";
import { RusmError } from "../errors.ts";
import { ensureToolPreopens } from "./preopens.ts";
import { SDK_ALIAS } from "./esbuild.ts";
import { snapshot } from "./snapshot.ts";
import { WIT_DIR } from "./wit.ts";

const GUEST_DIR = fileURLToPath(new URL("../../sdk/ts/", import.meta.url));
const ENGINE_C = join(GUEST_DIR, "quickjs", "engine.c");
/** engine.c's preview-1 definitions, and the imports header both include. */
const ENGINE_SOURCES = [ENGINE_C, join(GUEST_DIR, "quickjs", "preview1.c")];
const ENGINE_HEADER = join(GUEST_DIR, "quickjs", "imports.h");
const PLATFORM = join(GUEST_DIR, "quickjs", "platform.ts");
/** The platform layer's parts (sdk/ts/quickjs/platform/*.ts), which PLATFORM imports. */
const PLATFORM_PARTS = readdirSync(join(GUEST_DIR, "quickjs", "platform"))
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .map((f) => join(GUEST_DIR, "quickjs", "platform", f));
const WIT_SHIMS = join(GUEST_DIR, "quickjs", "wit.ts");
const HANDLERS_WORLD = "rusm:guest/handlers";

/** Debian's packages the engine build needs (apt-get install …). */
export const QUICKJS_APT_PACKAGES = [
  "clang-19",
  "lld-19",
  "wasi-libc",
  "libclang-rt-19-dev-wasm32",
];
const CLANG = "/usr/lib/llvm-19/bin/clang";
const WASM_LD = "/usr/lib/llvm-19/bin/wasm-ld";
const WASI_LIBC = "/usr/lib/wasm32-wasi/libc.a";
const BUILTINS = "/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a";

/** Whether Debian's packages the engine build needs are installed (looked up under /usr). */
export function quickjsToolchainPresent(): boolean {
  return [CLANG, WASM_LD, WASI_LIBC, BUILTINS].every((f) => existsSync(f));
}
const QJS_FILES = ["quickjs.c", "libregexp.c", "libunicode.c", "cutils.c"];

/** The npm package whose tarball carries QuickJS's C sources, pinned by its integrity. */
const QJS_PACKAGE = "qjsc@0.3.0";
const QJS_INTEGRITY =
  "sha512-a7+cU6/IVcZbIejffdt/wZVMX6LL2MDL3HQ9Zb5Gm23G9DvBMS/z9GHFxz39bAvp2PvMOM+ypSOAyokt2DdZ2w==";
const QJS_DIR = "package/deps/quickjs_2021_03_27";

/**
 * QuickJS's sources, unpacked once into `cacheDir` from the npm registry with `npm pack` (not
 * an npm dependency: the package is a Node addon with a native build and a large tree; only
 * its bundled C sources are used). The tarball must match {@link QJS_INTEGRITY}.
 */
async function quickjsSources(cacheDir: string, progress: (line: string) => void): Promise<string> {
  const dir = join(cacheDir, "quickjs", "src-2021-03-27");
  if (existsSync(join(dir, QJS_DIR, "quickjs.c"))) return join(dir, QJS_DIR);
  progress(`fetching QuickJS's C sources (npm pack ${QJS_PACKAGE})…`);
  await mkdir(dir, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const out = await run(npm, ["pack", QJS_PACKAGE, "--json", "--pack-destination", dir]);
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{
    filename: string;
    integrity: string;
  }>;
  if (info?.integrity !== QJS_INTEGRITY) {
    throw new RusmError("RUSM_GUEST_BUILD", `${QJS_PACKAGE}'s tarball is not the pinned one`);
  }
  await run("tar", ["-xzf", join(dir, info.filename), "-C", dir, QJS_DIR]);
  return join(dir, QJS_DIR);
}

const CFLAGS = [
  "--target=wasm32-wasi",
  "-O2",
  '-DCONFIG_VERSION="2021-03-27"',
  // EMSCRIPTEN: no Atomics (no threads), no stack check against the native stack.
  "-DEMSCRIPTEN",
  // wasi-libc has no rounding modes: toFixed/toPrecision round to nearest in every case.
  "-DFE_DOWNWARD=0x400",
  "-DFE_UPWARD=0x800",
];

const LINK_FLAGS = [
  "--target=wasm32-wasi",
  "-nostdlib",
  "-Wl,--no-entry",
  // The C stack first, below the data: an overflow traps (out of bounds) instead of writing
  // over the heap. QuickJS's own stack check is off (EMSCRIPTEN).
  "-Wl,--stack-first",
  "-Wl,-z,stack-size=262144",
  "-Wl,--export=__stack_low",
  "-Wl,--export=__stack_high",
  "-Wl,--gc-sections",
];

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0
        ? done(out)
        : fail(new Error(`${basename(cmd)} exited ${code}: ${out.slice(-2000)}`)),
    );
  });
}

/**
 * The engine core module (before the snapshot), built once and cached in `cacheDir`.
 *
 * Errors: `RUSM_GUEST_BUILD` when Debian's clang-19 or wasi-libc is missing (with the
 * packages to install) or the build fails.
 */
export async function quickjsEngine(
  cacheDir: string,
  progress: (line: string) => void = () => undefined,
): Promise<Uint8Array> {
  if (!existsSync(CLANG) || !existsSync(WASI_LIBC)) {
    throw new RusmError(
      "RUSM_GUEST_BUILD",
      "the QuickJS engine needs Debian's clang-19 and wasi-libc",
      {
        hint: `apt-get install ${QUICKJS_APT_PACKAGES.join(" ")}`,
      },
    );
  }
  const src = await quickjsSources(cacheDir, progress);
  const hash = createHash("sha256").update(CFLAGS.join(" "));
  for (const f of QJS_FILES) hash.update(await readFile(join(src, f)));
  for (const f of [...ENGINE_SOURCES, ENGINE_HEADER]) hash.update(await readFile(f));
  hash.update(LINK_FLAGS.join(" "));
  const key = hash.digest("hex").slice(0, 24);
  const cached = join(cacheDir, "quickjs", `engine-${key}.wasm`);
  if (existsSync(cached)) return new Uint8Array(await readFile(cached));
  progress("building the QuickJS engine with clang-19 (once, ~30 s)…");
  const dir = join(cacheDir, "quickjs", `obj-${key}`);
  await mkdir(dir, { recursive: true });
  const resource = dirname(dirname(dirname(BUILTINS)));
  const include = [
    "-nostdinc",
    "-isystem",
    join(resource, "include"),
    "-isystem",
    "/usr/include/wasm32-wasi",
  ];
  const objects: string[] = [];
  for (const file of [...QJS_FILES.map((f) => join(src, f)), ...ENGINE_SOURCES]) {
    const obj = join(dir, `${basename(file, ".c")}.o`);
    await run(CLANG, [...CFLAGS, ...include, "-I", src, "-c", file, "-o", obj]);
    objects.push(obj);
  }
  const out = join(dir, "engine.wasm");
  await run(CLANG, [...LINK_FLAGS, ...objects, WASI_LIBC, BUILTINS, "-o", out]);
  const bytes = await readFile(out);
  await writeFile(`${cached}.tmp`, bytes);
  await rename(`${cached}.tmp`, cached);
  return new Uint8Array(bytes);
}

/** Maps the SDK runtime's `rusm:*` WIT imports to the engine's shims. */
const witShims: Plugin = {
  name: "rusm-quickjs-wit",
  setup(b) {
    b.onResolve({ filter: /^rusm:/ }, () => ({ path: WIT_SHIMS }));
  },
};

/**
 * What the QuickJS bundle adds to the shared entry (toolchain/guest-build.ts): the platform
 * layer first, and the manifest handed to the engine as plain arrays.
 */
export const QUICKJS_ENTRY = {
  before: `import ${JSON.stringify(PLATFORM)};`,
  after:
    "globalThis.__rusm_manifest = manifest.modules().map((m) => [m.name, m.handlers.map((h) => [h.name, h.kind === 'sse' ? 1 : 0])]);",
};

/** esbuild's options for a QuickJS bundle: one script (IIFE), ES2020, `rusm:*` mapped. */
export const QUICKJS_BUNDLE_OPTIONS = {
  bundle: true,
  format: "iife",
  platform: "neutral",
  // QuickJS 2021-03-27 has ES2020.
  target: "es2020",
  mainFields: ["module", "main"],
  plugins: [witShims],
  alias: SDK_ALIAS,
  write: false,
  logLevel: "silent",
} as const satisfies BuildOptions;

/** The files a QuickJS guest's bytes depend on besides its own code and the SDK runtime. */
export const QUICKJS_INPUTS = [
  ...ENGINE_SOURCES,
  ENGINE_HEADER,
  PLATFORM,
  ...PLATFORM_PARTS,
  WIT_SHIMS,
  fileURLToPath(import.meta.url),
];

export interface QuickJsBuild {
  component: Uint8Array;
  /** Initial memory pages and the bytes of the snapshot's data segments. */
  pages: number;
  dataBytes: number;
}

/**
 * Makes a QuickJS component of `rusm:guest/handlers` from a bundle (QUICKJS_BUNDLE_OPTIONS):
 * the engine evaluates it, then its memory is snapshotted.
 *
 * Errors: `RUSM_GUEST_BUILD` (a missing toolchain; "Exception while evaluating top-level
 * script" and the exception with its stack, as StarlingMonkey says it, for an exception in
 * the guest's top level; a module that does not fit the world).
 */
export async function buildQuickJsComponent(
  bundle: string,
  cacheDir: string,
  progress: (line: string) => void = () => undefined,
): Promise<QuickJsBuild> {
  const engine = await quickjsEngine(cacheDir, progress);
  const snap = await snapshot(
    engine,
    (exports, memory) => {
      const src = Buffer.from(bundle, "utf8");
      const realloc = exports["cabi_realloc"] as (
        a: number,
        b: number,
        c: number,
        d: number,
      ) => number;
      const ptr = realloc(0, 0, 1, src.length + 1);
      new Uint8Array(memory.buffer).set(src, ptr);
      const init = exports["rusm_init"] as (p: number, n: number) => number;
      const err = init(ptr, src.length);
      if (err === 0) return null;
      const bytes = new Uint8Array(memory.buffer);
      let end = err;
      while (bytes[end] !== 0) end++;
      return Buffer.from(bytes.subarray(err, end)).toString("utf8");
    },
    ["rusm_init", "__stack_low", "__stack_high"],
    { low: "__stack_low", high: "__stack_high" },
    // QuickJS reads the clock when it makes its context (Math.random's seed, which the
    // platform layer replaces): the snapshot's clock is zero.
    {
      "wasi:clocks/wall-clock@0.2.12": { now: () => undefined },
      "wasi:clocks/monotonic-clock@0.2.12": { now: () => 0n },
    },
  );
  if (snap.result !== null) {
    // As StarlingMonkey says it: `file:line:col Error: message` (here without the column).
    const text = frames(snap.result as string);
    const at = /@(\S+:\d+)$/m.exec(text)?.[1];
    const first = text.split("\n")[0]!;
    throw new RusmError(
      "RUSM_GUEST_BUILD",
      `Exception while evaluating top-level script\n${at === undefined ? first : `${at} ${first}`}`,
    );
  }
  await ensureToolPreopens();
  const embedded = await componentEmbed({
    binary: snap.module,
    witPath: WIT_DIR,
    world: HANDLERS_WORLD,
  });
  const component = await componentNew(embedded);
  return { component, pages: snap.pages, dataBytes: snap.dataBytes };
}

/**
 * QuickJS's stack frames (`    at fn (guest.js:12)`) as StarlingMonkey writes them
 * (`fn@guest.js:12`), and the first one joined to the message, so rusm's source-map rewriting
 * and crash logs read the same for both engines. QuickJS gives no column.
 */
export function frames(text: string): string {
  return text.replace(/^ {4}at (.+?) \((.+)\)$/gm, "$1@$2");
}
