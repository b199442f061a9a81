/**
 * @module abi/signature
 * How an interface file declares its functions for the lean ABI: one {@link FuncSig} per WIT
 * function, named as wit-component names core imports (`[method]fields.append`,
 * `[static]outgoing-body.finish`, `[constructor]fields`, `get-stdout`), with its parameter and
 * result types. The resource drops (`[resource-drop]fields`) follow from the resources.
 */
import { borrow, camel, own, type ResourceType, type WitType } from "./types.ts";

/** Which host member a function calls, in jco's naming (what rusm's host objects implement). */
export type HostCall =
  | { readonly kind: "constructor"; readonly cls: string }
  | { readonly kind: "method"; readonly member: string }
  | { readonly kind: "static"; readonly cls: string; readonly member: string }
  | { readonly kind: "function"; readonly member: string }
  | { readonly kind: "drop"; readonly res: ResourceType };

export interface FuncSig {
  /** The core import name (the WIT name with its `[kind]` prefix). */
  readonly name: string;
  /** Every parameter, `self` (a borrow) first for methods. */
  readonly params: readonly WitType[];
  readonly result: WitType | null;
  readonly call: HostCall;
}

/** One WIT interface as the lean ABI serves it. */
export interface InterfaceSig {
  /** Unversioned, as jco keys imports: `wasi:http/types`. */
  readonly name: string;
  readonly funcs: ReadonlyMap<string, FuncSig>;
}

/** `outgoing-body` → `OutgoingBody` (jco's class name for a resource). */
export function className(resource: string): string {
  const c = camel(resource);
  return c[0]!.toUpperCase() + c.slice(1);
}

/** `wasi:io/streams#output-stream` → `output-stream`. */
export function resourceName(res: ResourceType): string {
  return res.key.slice(res.key.indexOf("#") + 1);
}

/** Builds the declarations of one interface. */
export class InterfaceBuilder {
  readonly #name: string;
  readonly #funcs = new Map<string, FuncSig>();

  constructor(name: string) {
    this.#name = name;
  }

  #add(sig: FuncSig): this {
    this.#funcs.set(sig.name, sig);
    return this;
  }

  /** A resource of this interface; declares its `[resource-drop]`. */
  resource(name: string): ResourceType {
    const res = { key: `${this.#name}#${name}` };
    this.#add({
      name: `[resource-drop]${name}`,
      params: [],
      result: null,
      call: { kind: "drop", res },
    });
    return res;
  }

  /** A free function of the interface (`get-stdout`). */
  func(name: string, params: WitType[], result: WitType | null = null): this {
    return this.#add({ name, params, result, call: { kind: "function", member: camel(name) } });
  }

  /** `[constructor]R`. */
  ctor(res: ResourceType, params: WitType[]): this {
    const r = resourceName(res);
    return this.#add({
      name: `[constructor]${r}`,
      params,
      result: own(res),
      call: { kind: "constructor", cls: className(r) },
    });
  }

  /** `[method]R.name`: `self` (a borrow of R) comes first. */
  method(res: ResourceType, name: string, params: WitType[], result: WitType | null = null): this {
    return this.#add({
      name: `[method]${resourceName(res)}.${name}`,
      params: [borrow(res), ...params],
      result,
      call: { kind: "method", member: camel(name) },
    });
  }

  /** `[static]R.name`. */
  static(res: ResourceType, name: string, params: WitType[], result: WitType | null = null): this {
    const r = resourceName(res);
    return this.#add({
      name: `[static]${r}.${name}`,
      params,
      result,
      call: { kind: "static", cls: className(r), member: camel(name) },
    });
  }

  build(): InterfaceSig {
    return { name: this.#name, funcs: this.#funcs };
  }
}
