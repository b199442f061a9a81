/**
 * @module abi/ts-surface.test-support
 * Compares two TypeScript declarations of the same WIT interface with the compiler API, for
 * wit-types.test.ts: the exported functions and classes (by name), each function's and
 * method's parameters (count, names, types) and result. Types are compared by meaning, not by
 * spelling: two types agree when each is assignable to the other (`Params` and
 * `Array<[string, string]>`, `name?: string` and `name?: string | undefined`; a resource by
 * its class name), and a `never` result may stand for a WIT function without a result
 * (`abort`, which does not return).
 */

import ts from "typescript";

/** The functions and classes a module exports, by name. */
export function valueExports(checker: ts.TypeChecker, module: ts.Symbol): Map<string, ts.Symbol> {
  const out = new Map<string, ts.Symbol>();
  for (const sym of checker.getExportsOfModule(module)) {
    if (sym.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) out.set(sym.name, sym);
  }
  return out;
}

/** The interfaces and type aliases a module exports, by name. */
export function typeExports(checker: ts.TypeChecker, module: ts.Symbol): Map<string, ts.Symbol> {
  const out = new Map<string, ts.Symbol>();
  for (const sym of checker.getExportsOfModule(module)) {
    if (sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) out.set(sym.name, sym);
  }
  return out;
}

/** Compares what one declaration says (`ours`) with the reference (`wit`); the disagreements. */
export class SurfaceComparer {
  readonly #checker: ts.TypeChecker;

  constructor(checker: ts.TypeChecker) {
    this.#checker = checker;
  }

  /** A type, and for a named object type the fields that make it differ from `other`. */
  #show(t: ts.Type, other?: ts.Type): string {
    const c = this.#checker;
    const name = c.typeToString(t);
    if (other === undefined || name !== c.typeToString(other)) return name;
    const fields = (x: ts.Type): string[] =>
      x
        .getProperties()
        .map(
          (p) =>
            `${p.name}${p.flags & ts.SymbolFlags.Optional ? "?" : ""}: ${c.typeToString(c.getTypeOfSymbol(p))}`,
        );
    const theirs = new Set(fields(other));
    const differing = fields(t).filter((f) => !theirs.has(f));
    return differing.length === 0 ? name : `${name} { ${differing.join("; ")} }`;
  }

  /** `a` and `b` as the messages show them. */
  showPair(a: ts.Type, b: ts.Type): [string, string] {
    return [this.#show(a, b), this.#show(b, a)];
  }

  /**
   * Each assignable to the other; a resource (a class) by its name, as its methods are compared
   * where it is declared (jco's classes add `[Symbol.dispose]`, which the SDK's do not have).
   */
  same(a: ts.Type, b: ts.Type): boolean {
    const cls = (t: ts.Type): string | undefined => {
      const sym = t.getSymbol();
      return sym !== undefined && (sym.flags & ts.SymbolFlags.Class) !== 0 ? sym.name : undefined;
    };
    if (cls(a) !== undefined || cls(b) !== undefined) return cls(a) === cls(b);
    return this.#checker.isTypeAssignableTo(a, b) && this.#checker.isTypeAssignableTo(b, a);
  }

  signature(what: string, ours: ts.Signature, wit: ts.Signature): string[] {
    const c = this.#checker;
    const bad: string[] = [];
    const names = (s: ts.Signature): string => s.parameters.map((p) => p.name).join(", ");
    if (names(ours) !== names(wit)) {
      bad.push(`${what}: parameters (${names(ours)}), wit/ says (${names(wit)})`);
    }
    ours.parameters.forEach((p, i) => {
      const q = wit.parameters[i];
      if (q === undefined) return;
      const [a, b] = [c.getTypeOfSymbol(p), c.getTypeOfSymbol(q)];
      if (!this.same(a, b)) {
        bad.push(
          `${what}: parameter ${p.name} is ${this.#show(a, b)}, wit/ says ${this.#show(b, a)}`,
        );
      }
    });
    const [r, s] = [c.getReturnTypeOfSignature(ours), c.getReturnTypeOfSignature(wit)];
    const neverForVoid =
      (r.flags & ts.TypeFlags.Never) !== 0 && (s.flags & ts.TypeFlags.Void) !== 0;
    if (!neverForVoid && !this.same(r, s)) {
      bad.push(`${what}: returns ${this.#show(r, s)}, wit/ says ${this.#show(s, r)}`);
    }
    return bad;
  }

  #callSignature(t: ts.Type): ts.Signature | undefined {
    return t.getCallSignatures()[0];
  }

  /** A function or class exported by both. */
  value(what: string, ours: ts.Symbol, wit: ts.Symbol): string[] {
    const c = this.#checker;
    if ((wit.flags & ts.SymbolFlags.Class) !== 0) {
      if ((ours.flags & ts.SymbolFlags.Class) === 0)
        return [`${what}: not a class, wit/ has a resource`];
      return this.#instance(what, c.getDeclaredTypeOfSymbol(ours), c.getDeclaredTypeOfSymbol(wit));
    }
    const [a, b] = [
      this.#callSignature(c.getTypeOfSymbol(ours)),
      this.#callSignature(c.getTypeOfSymbol(wit)),
    ];
    if (a === undefined || b === undefined) return [`${what}: not a function`];
    return this.signature(what, a, b);
  }

  /** A resource's methods (string-named members; `[Symbol.dispose]` is not compared). */
  #instance(what: string, ours: ts.Type, wit: ts.Type): string[] {
    const c = this.#checker;
    const methods = (t: ts.Type): Map<string, ts.Symbol> =>
      new Map(
        t
          .getProperties()
          .filter((p) => !p.name.startsWith("__@") && !p.name.startsWith("#"))
          .map((p) => [p.name, p]),
      );
    const [m, n] = [methods(ours), methods(wit)];
    const bad: string[] = [];
    for (const name of n.keys())
      if (!m.has(name)) bad.push(`${what}.${name}: missing (wit/ has it)`);
    for (const [name, p] of m) {
      const q = n.get(name);
      if (q === undefined) {
        bad.push(`${what}.${name}: not in wit/`);
        continue;
      }
      const [a, b] = [
        this.#callSignature(c.getTypeOfSymbol(p)),
        this.#callSignature(c.getTypeOfSymbol(q)),
      ];
      if (a === undefined || b === undefined) bad.push(`${what}.${name}: not a method`);
      else bad.push(...this.signature(`${what}.${name}`, a, b));
    }
    return bad;
  }
}
