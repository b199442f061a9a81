/**
 * @module abi/wit-types.test
 * The TypeScript SDK's hand-written WIT types checked against wit/ (issue 17): jco's guest
 * typegen of `rusm:guest/handlers` (what componentize-js binds) is the reference, and
 * `sdk/ts/wit.d.ts` must declare the same `rusm:*` modules with the same functions, resources,
 * methods, parameters and results (ts-surface.test-support.ts compares them by meaning). The
 * QuickJS engine's ES modules (`sdk/ts/quickjs/wit.ts`, one file for all of them) must
 * implement the same surface.
 *
 * The generated declarations are loaded beside the SDK's under other module names
 * (`generated/rusm:guest/sse@0.1.0`), so one program holds both without merging them.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { SurfaceComparer, typeExports, valueExports } from "./ts-surface.test-support.ts";
import {
  HANDLERS_WORLD,
  guestTypes,
  interfaceVersions,
  worldImports,
} from "./wit-world.test-support.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SDK_TYPES = "sdk/ts/wit.d.ts";
const QUICKJS_WIT = "sdk/ts/quickjs/wit.ts";
const GENERATED = "/generated-from-wit/";
const RENAMED = "generated/";

const versions = await interfaceVersions(HANDLERS_WORLD);
/** `rusm:guest/sse@0.1.0`, ...: the rusm interfaces the world imports (not the manifest export). */
const rusmImports = [
  ...new Set([...(await worldImports(HANDLERS_WORLD)).values()].map((f) => f.iface)),
]
  .filter((iface) => iface.startsWith("rusm:"))
  .map((iface) => versions.get(iface)!)
  .sort();

const generated = new Map<string, string>();
for (const [name, text] of await guestTypes(HANDLERS_WORLD)) {
  if (!name.startsWith("interfaces/rusm-")) continue;
  generated.set(GENERATED + name, text.replaceAll("'rusm:", `'${RENAMED}rusm:`));
}

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  types: [],
  lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
};
const base = ts.createCompilerHost(options);
const host: ts.CompilerHost = {
  ...base,
  fileExists: (f) => generated.has(f) || base.fileExists(f),
  readFile: (f) => generated.get(f) ?? base.readFile(f),
  getSourceFile: (f, lang, ...rest) => {
    const text = generated.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, lang);
    return base.getSourceFile(f, lang, ...rest);
  },
};
const sdkFiles = [SDK_TYPES, QUICKJS_WIT, "sdk/ts/quickjs/natives.d.ts"].map((f) => ROOT + f);
const program = ts.createProgram({ rootNames: [...generated.keys(), ...sdkFiles], options, host });
const checker = program.getTypeChecker();
const compare = new SurfaceComparer(checker);

/** The `declare module "..."` blocks of one file, by module name. */
function declaredModules(file: string): Map<string, ts.Symbol> {
  const out = new Map<string, ts.Symbol>();
  for (const s of program.getSourceFile(file)!.statements) {
    if (!ts.isModuleDeclaration(s) || !ts.isStringLiteral(s.name)) continue;
    const sym = checker.getSymbolAtLocation(s.name);
    if (sym !== undefined) out.set(s.name.text, sym);
  }
  return out;
}

const sdk = declaredModules(ROOT + SDK_TYPES);
const fromWit = new Map<string, ts.Symbol>();
for (const file of generated.keys()) {
  for (const [name, sym] of declaredModules(file)) fromWit.set(name.slice(RENAMED.length), sym);
}

describe("the TypeScript SDK's WIT types checked against wit/ (issue 17)", () => {
  it("reads jco's types and the SDK's in one program without errors", () => {
    expect(rusmImports).toContain("rusm:guest/sse@0.1.0");
    expect([...fromWit.keys()]).toContain("rusm:pubsub/mailbox@0.1.0");
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(errors).toEqual([]);
  });

  it(`declares in ${SDK_TYPES} exactly the rusm interfaces the world imports`, () => {
    expect(
      [...sdk.keys()].sort(),
      `the modules of ${SDK_TYPES} (one \`declare module\` per rusm interface ${HANDLERS_WORLD} imports, named as wit/ names it)`,
    ).toEqual(rusmImports);
  });

  it(`gives every function and resource in ${SDK_TYPES} the shape jco's types of wit/ have`, () => {
    const bad: string[] = [];
    for (const module of rusmImports) {
      const [ours, wit] = [sdk.get(module), fromWit.get(module)];
      if (ours === undefined || wit === undefined) continue; // the test above says which
      const at = `${SDK_TYPES} "${module}"`;
      const [mine, theirs] = [valueExports(checker, ours), valueExports(checker, wit)];
      for (const name of theirs.keys()) if (!mine.has(name)) bad.push(`${at} ${name}: missing`);
      for (const [name, sym] of mine) {
        const ref = theirs.get(name);
        if (ref === undefined) bad.push(`${at} ${name}: not in wit/`);
        else bad.push(...compare.value(`${at} ${name}`, sym, ref));
      }
      const refTypes = typeExports(checker, wit);
      for (const [name, sym] of typeExports(checker, ours)) {
        const ref = refTypes.get(name);
        const [a, b] = [
          checker.getDeclaredTypeOfSymbol(sym),
          ref && checker.getDeclaredTypeOfSymbol(ref),
        ];
        if (b === undefined) bad.push(`${at} type ${name}: not in wit/`);
        else if (!compare.same(a, b)) {
          const [mineShown, witShown] = compare.showPair(a, b);
          bad.push(`${at} type ${name}: ${mineShown}, wit/ says ${witShown}`);
        }
      }
    }
    expect(bad, `${SDK_TYPES} disagrees with wit/: change it to match the WIT`).toEqual([]);
  });

  it(`implements every function and resource of those interfaces in ${QUICKJS_WIT}`, () => {
    const quickjs = valueExports(
      checker,
      checker.getSymbolAtLocation(program.getSourceFile(ROOT + QUICKJS_WIT)!)!,
    );
    const wanted = new Map<string, ts.Symbol>();
    for (const module of rusmImports) {
      for (const [name, sym] of valueExports(checker, fromWit.get(module)!)) wanted.set(name, sym);
    }
    const bad: string[] = [];
    for (const name of wanted.keys())
      if (!quickjs.has(name)) bad.push(`${QUICKJS_WIT} ${name}: missing`);
    for (const [name, sym] of quickjs) {
      const ref = wanted.get(name);
      if (ref === undefined) bad.push(`${QUICKJS_WIT} ${name}: no rusm interface has it`);
      else bad.push(...compare.value(`${QUICKJS_WIT} ${name}`, sym, ref));
    }
    expect(bad, `${QUICKJS_WIT} disagrees with wit/: change it to match the WIT`).toEqual([]);
  });
});
