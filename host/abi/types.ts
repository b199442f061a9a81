/**
 * @module abi/types
 * WIT types as the canonical ABI sees them: a small descriptor language (written per
 * interface in `abi/interfaces/`), and the layout rules of the Component Model's canonical
 * ABI (`CanonicalABI.md`: size, alignment, flattening) computed from it.
 *
 * Values on the host side are shaped as jco's bindings shape them, so rusm's WASI and rusm:guest
 * host classes serve both the lean path (abi/) and jco's glue unchanged: `option` is the value
 * or `undefined`, `variant` is `{tag, val}`, `enum` a string, `record` an object with camelCase
 * fields, `tuple` an array, `list<u8>` a Uint8Array, 64-bit integers bigints, resources objects.
 */

/** A resource type: its interface (unversioned) and WIT name, e.g. `wasi:io/streams#output-stream`. */
export interface ResourceType {
  readonly key: string;
}

export type WitType =
  | { readonly k: "bool" | "u8" | "s8" | "u16" | "s16" | "u32" | "s32" | "char" }
  | { readonly k: "u64" | "s64" | "f32" | "f64" }
  | { readonly k: "string" }
  | { readonly k: "list"; readonly of: WitType }
  | { readonly k: "option"; readonly of: WitType }
  | { readonly k: "result"; readonly ok: WitType | null; readonly err: WitType | null }
  | { readonly k: "tuple"; readonly of: readonly WitType[] }
  | { readonly k: "record"; readonly fields: readonly (readonly [string, WitType])[] }
  | { readonly k: "variant"; readonly cases: readonly (readonly [string, WitType | null])[] }
  | { readonly k: "enum"; readonly cases: readonly string[] }
  | { readonly k: "flags"; readonly names: readonly string[] }
  | { readonly k: "own" | "borrow"; readonly res: ResourceType };

/** A core wasm value type in a flattened signature. */
export type Flat = "i32" | "i64" | "f32" | "f64";

// Constructors, for the interface descriptors.
export const bool = { k: "bool" } as const;
export const u8 = { k: "u8" } as const;
export const u16 = { k: "u16" } as const;
export const u32 = { k: "u32" } as const;
export const s32 = { k: "s32" } as const;
export const u64 = { k: "u64" } as const;
export const s64 = { k: "s64" } as const;
export const f64 = { k: "f64" } as const;
export const string = { k: "string" } as const;
export const list = (of: WitType): WitType => ({ k: "list", of });
export const option = (of: WitType): WitType => ({ k: "option", of });
export const result = (ok: WitType | null, err: WitType | null): WitType => ({
  k: "result",
  ok,
  err,
});
export const tuple = (...of: WitType[]): WitType => ({ k: "tuple", of });
/** Field names in WIT spelling (`first-byte-timeout`); stored camelCased as jco does. */
export const record = (fields: Record<string, WitType>): WitType => ({
  k: "record",
  fields: Object.entries(fields).map(([name, type]) => [camel(name), type] as const),
});
export const variant = (cases: Record<string, WitType | null>): WitType => ({
  k: "variant",
  cases: Object.entries(cases),
});
export const enumOf = (...cases: string[]): WitType => ({ k: "enum", cases });
export const flags = (...names: string[]): WitType => ({ k: "flags", names: names.map(camel) });
export const resource = (key: string): ResourceType => ({ key });
export const own = (res: ResourceType): WitType => ({ k: "own", res });
export const borrow = (res: ResourceType): WitType => ({ k: "borrow", res });

/** `first-byte-timeout` → `firstByteTimeout` (jco's spelling of WIT names in JS). */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function alignTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

function discriminantSize(cases: number): number {
  return cases <= 0x100 ? 1 : cases <= 0x10000 ? 2 : 4;
}

/** The cases of a variant-like type (option, result, variant, enum) with their payloads. */
export function cases(t: WitType): readonly (WitType | null)[] {
  switch (t.k) {
    case "option":
      return [null, t.of];
    case "result":
      return [t.ok, t.err];
    case "variant":
      return t.cases.map(([, p]) => p);
    case "enum":
      return t.cases.map(() => null);
    default:
      throw new TypeError(`${t.k} has no cases`);
  }
}

/** The element types of a record-like type (tuple, record). */
export function members(t: WitType): readonly WitType[] {
  if (t.k === "tuple") return t.of;
  if (t.k === "record") return t.fields.map(([, f]) => f);
  throw new TypeError(`${t.k} has no members`);
}

interface Layout {
  size: number;
  align: number;
  flat: readonly Flat[];
}

const layouts = new WeakMap<WitType, Layout>();

/** Size, alignment and flattening of `t`, computed once per descriptor. */
export function layout(t: WitType): Layout {
  let l = layouts.get(t);
  if (l === undefined) {
    l = computeLayout(t);
    layouts.set(t, l);
  }
  return l;
}

function join(a: Flat, b: Flat): Flat {
  if (a === b) return a;
  if ((a === "i32" && b === "f32") || (a === "f32" && b === "i32")) return "i32";
  return "i64";
}

function computeLayout(t: WitType): Layout {
  switch (t.k) {
    case "bool":
    case "u8":
    case "s8":
      return { size: 1, align: 1, flat: ["i32"] };
    case "u16":
    case "s16":
      return { size: 2, align: 2, flat: ["i32"] };
    case "u32":
    case "s32":
    case "char":
    case "own":
    case "borrow":
      return { size: 4, align: 4, flat: ["i32"] };
    case "f32":
      return { size: 4, align: 4, flat: ["f32"] };
    case "u64":
    case "s64":
      return { size: 8, align: 8, flat: ["i64"] };
    case "f64":
      return { size: 8, align: 8, flat: ["f64"] };
    case "string":
    case "list":
      return { size: 8, align: 4, flat: ["i32", "i32"] };
    case "tuple":
    case "record": {
      let size = 0;
      let align = 1;
      const flat: Flat[] = [];
      for (const m of members(t)) {
        const ml = layout(m);
        size = alignTo(size, ml.align) + ml.size;
        align = Math.max(align, ml.align);
        flat.push(...ml.flat);
      }
      return { size: alignTo(size, align), align, flat };
    }
    case "flags": {
      const n = t.names.length;
      if (n === 0) return { size: 0, align: 1, flat: [] };
      if (n <= 8) return { size: 1, align: 1, flat: ["i32"] };
      if (n <= 16) return { size: 2, align: 2, flat: ["i32"] };
      const words = Math.ceil(n / 32);
      return { size: 4 * words, align: 4, flat: Array<Flat>(words).fill("i32") };
    }
    case "option":
    case "result":
    case "variant":
    case "enum": {
      const cs = cases(t);
      const disc = discriminantSize(cs.length);
      let align = disc;
      let payload = 0;
      const flat: Flat[] = [];
      for (const c of cs) {
        if (c === null) continue;
        const cl = layout(c);
        align = Math.max(align, cl.align);
        payload = Math.max(payload, cl.size);
        cl.flat.forEach((f, i) => {
          flat[i] = flat[i] === undefined ? f : join(flat[i], f);
        });
      }
      const offset = alignTo(disc, align);
      return { size: alignTo(offset + payload, align), align, flat: ["i32", ...flat] };
    }
  }
}

/** Where a variant-like type's payload starts in memory. */
export function payloadOffset(t: WitType): number {
  const cs = cases(t);
  let align = discriminantSize(cs.length);
  for (const c of cs) if (c !== null) align = Math.max(align, layout(c).align);
  return alignTo(discriminantSize(cs.length), align);
}

/** The discriminant's byte size of a variant-like type. */
export function discriminantBytes(t: WitType): number {
  return discriminantSize(cases(t).length);
}

/** Byte offsets of a record-like type's members. */
export function memberOffsets(t: WitType): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const m of members(t)) {
    const ml = layout(m);
    offset = alignTo(offset, ml.align);
    out.push(offset);
    offset += ml.size;
  }
  return out;
}
