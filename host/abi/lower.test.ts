/**
 * `canon lower` on the host side: lowered imports called with flat core arguments over a real
 * memory (results through the return pointer, errors from a thrown `payload`, `self` from the
 * handle table, resource drops, promises), and a blocking import under JSPI in a real module
 * built from WAT.
 */
import { describe, expect, it, vi } from "vitest";
import { parseWat } from "../toolchain/wat.ts";
import { GuestTrap, WitError } from "../wasi/errors.ts";
import { promising } from "../wasi/jspi.ts";
import { HandleTable } from "./handles.ts";
import { httpTypes } from "./interfaces/http.ts";
import { hostFunction, lowerImport, plan } from "./lower.ts";
import { InterfaceBuilder, className } from "./signature.ts";
import {
  enumOf,
  list,
  option,
  own,
  record,
  result,
  string,
  tuple,
  u16,
  u32,
  u64,
  u8,
  variant,
} from "./types.ts";
import { store, type AbiContext } from "./values.ts";

const PAGE = 65536;
const RET = 0x100;

const b = new InterfaceBuilder("test:lower/api");
const thingRes = b.resource("thing");
const errRes = b.resource("error");
const streamError = variant({ "last-operation-failed": own(errRes), closed: null });
const datetime = record({ seconds: u64, nanoseconds: u32 });
b.ctor(thingRes, [string])
  .method(thingRes, "read", [u64], result(list(u8), streamError))
  .method(thingRes, "size", [], u32)
  .method(thingRes, "set-code", [u16], result(null, null))
  .method(thingRes, "missing", [], u32)
  .static(thingRes, "from-name", [string], result(own(thingRes), enumOf("not-found", "denied")))
  .func("add", [u32, u32], u32)
  .func(
    "many",
    Array.from({ length: 17 }, () => u32),
    u32,
  )
  .func("now", [], datetime)
  .func("code", [], option(u16));
const api = b.build();

const disposed: unknown[] = [];

class Thing {
  readonly name: string;
  calls: unknown[][] = [];
  /** What `read` does: return bytes, throw, or return a promise. */
  reader: (n: bigint) => unknown = (n) => new Uint8Array(Number(n)).fill(7);
  code = 200;

  constructor(name: string) {
    this.name = name;
  }
  read(n: bigint): unknown {
    this.calls.push(["read", n]);
    return this.reader(n);
  }
  size(): number {
    this.calls.push(["size"]);
    return this.name.length;
  }
  setCode(code: number): void {
    if (code < 100) throw new WitError(undefined, `bad code ${code}`);
    this.code = code;
  }
  static fromName(this: unknown, name: string): Thing {
    if (this !== Thing) throw new Error("static called without its class as this");
    if (name === "") throw new WitError("not-found");
    return new Thing(name);
  }
  [Symbol.dispose](): void {
    disposed.push(this);
  }
}

const ns = {
  Thing,
  add: (a: number, c: number) => a + c,
  many: (...xs: number[]) => xs.reduce((s, x) => s + x, 0),
  now: () => ({ seconds: 1_700_000_000n, nanoseconds: 5 }),
  code: (): number | undefined => 204,
};

interface Cx extends AbiContext {
  memory: WebAssembly.Memory;
  realloc: AbiContext["realloc"];
}

function context(): Cx {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  let heap = 0x1000;
  return {
    memory,
    handles: new HandleTable(),
    realloc(_old, _size, align, size) {
      const ptr = Math.ceil(heap / align) * align;
      heap = ptr + size;
      return ptr;
    },
  };
}

/** The lowered core function `name` of the test interface, over `cx`. */
function lowered(
  cx: AbiContext,
  name: string,
  host: Record<string, unknown> = ns,
): (...flat: unknown[]) => unknown {
  const sig = api.funcs.get(name);
  if (sig === undefined) throw new Error(`no ${name}`);
  return lowerImport(plan(sig), hostFunction(sig, host), cx, false);
}

const dv = (cx: AbiContext): DataView => new DataView(cx.memory.buffer);
const bytesAt = (cx: AbiContext, ptr: number, n: number): number[] => [
  ...new Uint8Array(cx.memory.buffer, ptr, n),
];
const isPromise = (v: unknown): boolean => v instanceof Promise;

/** A Thing in `cx`'s handle table; its handle. */
function thing(cx: AbiContext, name = "abc"): [Thing, number] {
  const t = new Thing(name);
  return [t, cx.handles.insert(thingRes, t)];
}

describe("plan", () => {
  it("flat results of one value come back directly, bigger ones through a return pointer", () => {
    expect(plan(api.funcs.get("add")!)).toMatchObject({ retptr: false, isResult: false });
    expect(plan(api.funcs.get("[method]thing.read")!)).toMatchObject({
      retptr: true,
      isResult: true,
      paramAt: [0, 1],
      paramTuple: null,
    });
    expect(plan(api.funcs.get("now")!).retptr).toBe(true);
  });

  it("more than 16 flat parameters go through memory as one tuple", () => {
    expect(plan(api.funcs.get("many")!).paramTuple).not.toBeNull();
    expect(plan(api.funcs.get("add")!).paramTuple).toBeNull();
  });

  it("names and host members follow jco: [method]R.name → camelCase member, R → class", () => {
    const sig = httpTypes.funcs.get("[method]outgoing-response.set-status-code")!;
    expect(sig.call).toEqual({ kind: "method", member: "setStatusCode" });
    expect(sig.params.length).toBe(2);
    expect(httpTypes.funcs.get("[static]outgoing-body.finish")!.call).toEqual({
      kind: "static",
      cls: "OutgoingBody",
      member: "finish",
    });
    expect(httpTypes.funcs.get("[resource-drop]future-incoming-response")!.call.kind).toBe("drop");
    expect(className("future-incoming-response")).toBe("FutureIncomingResponse");
  });
});

describe("lowerImport (called from JS with flat arguments)", () => {
  it("a function of flat scalars returns one flat value (u32 as a signed i32)", () => {
    const cx = context();
    expect(lowered(cx, "add")(2, 3)).toBe(5);
    expect(lowered(cx, "add")(0x7fffffff, 0x7fffffff + 2)).toBe(0);
    expect(lowered(cx, "add")(-1, 0)).toBe(-1); // u32 0xffffffff lifted, lowered back as i32
  });

  it("17 flat parameters: the guest passes a pointer to them in memory", () => {
    const cx = context();
    const args = Array.from({ length: 17 }, (_, i) => i + 1);
    store(cx, tuple(...args.map(() => u32)), args, 0x200);
    expect(lowered(cx, "many")(0x200)).toBe(153);
  });

  it("a record result is written at the return pointer (the last argument)", () => {
    const cx = context();
    expect(lowered(cx, "now")(RET)).toBeUndefined();
    expect(dv(cx).getBigUint64(RET, true)).toBe(1_700_000_000n);
    expect(dv(cx).getUint32(RET + 8, true)).toBe(5);
  });

  it("an option result: some at the return pointer, then none", () => {
    const cx = context();
    lowered(cx, "code")(RET);
    expect(bytesAt(cx, RET, 4)).toEqual([1, 0, 204, 0]);
    lowered(cx, "code", { ...ns, code: () => undefined })(RET);
    expect(bytesAt(cx, RET, 1)).toEqual([0]);
  });

  describe("result<T, E>", () => {
    it("a returned value is ok: tag 0, the list at +4/+8", () => {
      const cx = context();
      const [t, h] = thing(cx);
      expect(lowered(cx, "[method]thing.read")(h, 3n, RET)).toBeUndefined();
      expect(t.calls).toEqual([["read", 3n]]);
      expect(bytesAt(cx, RET, 1)).toEqual([0]);
      const ptr = dv(cx).getUint32(RET + 4, true);
      expect(dv(cx).getUint32(RET + 8, true)).toBe(3);
      expect(bytesAt(cx, ptr, 3)).toEqual([7, 7, 7]);
    });

    it("a thrown WitError is the err case: closed", () => {
      const cx = context();
      const [t, h] = thing(cx);
      t.reader = () => {
        throw new WitError({ tag: "closed" });
      };
      lowered(cx, "[method]thing.read")(h, 3n, RET);
      expect(bytesAt(cx, RET, 5)).toEqual([1, 0, 0, 0, 1]);
    });

    it("any thrown object with an own `payload` is the err case; an own handle goes in the table", () => {
      const cx = context();
      const [t, h] = thing(cx);
      const ioError = { what: "EPIPE" };
      t.reader = () => {
        throw Object.assign(new Error("write failed"), {
          payload: { tag: "last-operation-failed", val: ioError },
        });
      };
      lowered(cx, "[method]thing.read")(h, 3n, RET);
      expect(bytesAt(cx, RET, 5)).toEqual([1, 0, 0, 0, 0]);
      expect(cx.handles.get(errRes, dv(cx).getInt32(RET + 8, true))).toBe(ioError);
    });

    it("a thrown Error without a payload propagates (a trap) and writes nothing", () => {
      const cx = context();
      const [t, h] = thing(cx);
      const boom = new Error("host bug");
      t.reader = () => {
        throw boom;
      };
      new Uint8Array(cx.memory.buffer).fill(0xaa, RET, RET + 12);
      expect(() => lowered(cx, "[method]thing.read")(h, 3n, RET)).toThrow(boom);
      expect(bytesAt(cx, RET, 12)).toEqual(Array.from({ length: 12 }, () => 0xaa));
    });

    it("a GuestTrap thrown by the host propagates", () => {
      const cx = context();
      const [t, h] = thing(cx);
      t.reader = () => {
        throw new GuestTrap("write past the permit");
      };
      expect(() => lowered(cx, "[method]thing.read")(h, 3n, RET)).toThrow(GuestTrap);
    });

    it("a static function: ok is a new own handle; a thrown enum payload is err", () => {
      const cx = context();
      const fromName = lowered(cx, "[static]thing.from-name");
      const len = new TextEncoder().encodeInto(
        "xyz",
        new Uint8Array(cx.memory.buffer, 0x300),
      ).written;
      fromName(0x300, len, RET);
      expect(bytesAt(cx, RET, 1)).toEqual([0]);
      const made = cx.handles.get(thingRes, dv(cx).getInt32(RET + 4, true));
      expect(made).toBeInstanceOf(Thing);
      expect((made as Thing).name).toBe("xyz");
      fromName(0x300, 0, RET);
      expect(bytesAt(cx, RET, 5)).toEqual([1, 0, 0, 0, 0]);
    });

    // BUG (host/abi/values.ts lowerFlat, reached from host/abi/lower.ts `lower`): a result with
    // neither ok nor err payload flattens to one i32, so the plan returns it directly (no
    // return pointer) and lowerFlat is asked to lower `{tag: "ok"}` as a `result`, which it
    // does not handle: "TypeError: a result does not lower to one flat value". jco's glue
    // returns 0 (ok) / 1 (err). wasi:http declares eight such functions (set-status-code,
    // set-method, set-path-with-query, set-scheme, set-authority, set-*-timeout), so a lean
    // guest calling any of them traps. Remove `.fails` once fixed.
    it("a `result` without payloads returns 0 (ok) or 1 (err) as one flat value", () => {
      const cx = context();
      const [t, h] = thing(cx);
      const setCode = lowered(cx, "[method]thing.set-code");
      expect(setCode(h, 204)).toBe(0);
      expect(t.code).toBe(204);
      expect(setCode(h, 42)).toBe(1);
      expect(t.code).toBe(204);
    });
  });

  describe("resources", () => {
    it("a method gets `self` from the handle table (a borrow: the handle stays)", () => {
      const cx = context();
      const [t, h] = thing(cx, "hello");
      const size = lowered(cx, "[method]thing.size");
      expect(size(h)).toBe(5);
      expect(size(h)).toBe(5);
      expect(t.calls).toEqual([["size"], ["size"]]);
      expect(cx.handles.get(thingRes, h)).toBe(t);
    });

    it("a method on an unknown or wrong-type handle traps before the host runs", () => {
      const cx = context();
      const [t] = thing(cx);
      const other = cx.handles.insert(errRes, t);
      const size = lowered(cx, "[method]thing.size");
      expect(() => size(other)).toThrow(GuestTrap);
      expect(() => size(99)).toThrow(GuestTrap);
      expect(t.calls).toEqual([]);
    });

    it("a method the host object lacks traps when called", () => {
      const cx = context();
      const [, h] = thing(cx);
      expect(() => lowered(cx, "[method]thing.missing")(h)).toThrow(GuestTrap);
    });

    it("a missing free function or class is refused when the import is made", () => {
      const cx = context();
      expect(() => lowered(cx, "add", {})).toThrow(/does not implement add/);
      expect(() => lowered(cx, "[constructor]thing", {})).toThrow(/Thing/);
    });

    it("[constructor] makes a host object and returns its new handle", () => {
      const cx = context();
      const len = new TextEncoder().encodeInto(
        "made",
        new Uint8Array(cx.memory.buffer, 0x300),
      ).written;
      const h = lowered(cx, "[constructor]thing")(0x300, len) as number;
      const made = cx.handles.get(thingRes, h);
      expect(made).toBeInstanceOf(Thing);
      expect((made as Thing).name).toBe("made");
    });

    it("[resource-drop] disposes the object and frees the handle; a second drop traps", () => {
      const cx = context();
      const [t, h] = thing(cx);
      disposed.length = 0;
      const drop = lowered(cx, "[resource-drop]thing");
      drop(h);
      expect(disposed).toEqual([t]);
      expect(() => cx.handles.get(thingRes, h)).toThrow(GuestTrap);
      expect(() => drop(h)).toThrow(GuestTrap);
      expect(disposed).toEqual([t]);
    });

    it("[resource-drop] of an object without Symbol.dispose just frees the handle", () => {
      const cx = context();
      const h = cx.handles.insert(thingRes, { plain: true });
      lowered(cx, "[resource-drop]thing")(h);
      expect(() => cx.handles.get(thingRes, h)).toThrow(GuestTrap);
    });

    it("[resource-drop] of another type's handle traps and disposes nothing", () => {
      const cx = context();
      const [t] = thing(cx);
      const h = cx.handles.insert(errRes, t);
      disposed.length = 0;
      expect(() => lowered(cx, "[resource-drop]thing")(h)).toThrow(GuestTrap);
      expect(disposed).toEqual([]);
    });
  });

  describe("promises", () => {
    it("a host that returns a value: the lowered call returns no promise", () => {
      const cx = context();
      const [, h] = thing(cx);
      expect(isPromise(lowered(cx, "[method]thing.read")(h, 1n, RET))).toBe(false);
      expect(isPromise(lowered(cx, "[method]thing.size")(h))).toBe(false);
    });

    it("a host that returns a promise: the call returns one, and writes the result when it settles", async () => {
      const cx = context();
      const [t, h] = thing(cx);
      let resolve!: (v: Uint8Array) => void;
      t.reader = () => new Promise<Uint8Array>((r) => (resolve = r));
      new Uint8Array(cx.memory.buffer).fill(0xaa, RET, RET + 12);
      const out = lowered(cx, "[method]thing.read")(h, 2n, RET);
      expect(isPromise(out)).toBe(true);
      await Promise.resolve();
      expect(bytesAt(cx, RET, 1)).toEqual([0xaa]);
      resolve(new Uint8Array([4, 2]));
      expect(await out).toBeUndefined();
      expect(bytesAt(cx, RET, 1)).toEqual([0]);
      expect(dv(cx).getUint32(RET + 8, true)).toBe(2);
      expect(bytesAt(cx, dv(cx).getUint32(RET + 4, true), 2)).toEqual([4, 2]);
    });

    it("a rejection with a payload is the err case; one without rejects the call", async () => {
      const cx = context();
      const [t, h] = thing(cx);
      t.reader = () => Promise.reject(new WitError({ tag: "closed" }));
      await lowered(cx, "[method]thing.read")(h, 2n, RET);
      expect(bytesAt(cx, RET, 5)).toEqual([1, 0, 0, 0, 1]);
      const boom = new Error("lost");
      t.reader = () => Promise.reject(boom);
      await expect(lowered(cx, "[method]thing.read")(h, 2n, RET)).rejects.toBe(boom);
    });

    it("a promise for a flat result resolves to the lowered value", async () => {
      const cx = context();
      const size = lowered(cx, "add", { ...ns, add: () => Promise.resolve(0xffffffff) });
      const out = size(0, 0);
      expect(isPromise(out)).toBe(true);
      expect(await out).toBe(-1);
    });

    it("blocking = true makes a WebAssembly.Suspending import", () => {
      const cx = context();
      const sig = api.funcs.get("[method]thing.size")!;
      const core = lowerImport(plan(sig), hostFunction(sig, ns), cx, true);
      const Suspending = (WebAssembly as unknown as { Suspending: new (f: unknown) => object })
        .Suspending;
      expect(core).toBeInstanceOf(Suspending);
    });
  });
});

describe("a blocking import in a real module, under JSPI", () => {
  const WAT = `(module
    (import "test:lower/api" "[method]thing.read" (func $read (param i32 i64 i32)))
    (import "test:lower/api" "[method]thing.size" (func $size (param i32) (result i32)))
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 0x1000))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get 3)))
      (local.get $p))
    ;; read(h, 5): returns len * 1000 + the first byte, or -tag-of-the-error on err.
    (func (export "run") (param $h i32) (result i32)
      (call $read (local.get $h) (i64.const 5) (i32.const ${RET}))
      (if (i32.load8_u (i32.const ${RET}))
        (then (return (i32.sub (i32.const -1) (i32.load8_u (i32.const ${RET + 4}))))))
      (i32.add
        (i32.mul (i32.load (i32.const ${RET + 8})) (i32.const 1000))
        (i32.load8_u (i32.load (i32.const ${RET + 4})))))
    (func (export "size") (param $h i32) (result i32) (call $size (local.get $h))))`;

  async function instance(host: Record<string, unknown>): Promise<{
    cx: Cx;
    run: (h: number) => Promise<unknown>;
    size: (h: number) => Promise<unknown>;
  }> {
    const module = await WebAssembly.compile(await parseWat({ file: "jspi.wat", text: WAT }));
    const cx = context();
    const imports: Record<string, Record<string, unknown>> = { "test:lower/api": {} };
    for (const name of ["[method]thing.read", "[method]thing.size"]) {
      const sig = api.funcs.get(name)!;
      imports["test:lower/api"]![name] = lowerImport(plan(sig), hostFunction(sig, host), cx, true);
    }
    const inst = new WebAssembly.Instance(module, imports);
    cx.memory = inst.exports.memory as WebAssembly.Memory;
    cx.realloc = inst.exports.cabi_realloc as AbiContext["realloc"];
    return {
      cx,
      run: promising(inst.exports.run as (h: number) => unknown),
      size: promising(inst.exports.size as (h: number) => unknown),
    };
  }

  it("the guest suspends until the host's promise settles, then reads the result", async () => {
    const { cx, run } = await instance(ns);
    const [t, h] = thing(cx);
    const order: string[] = [];
    t.reader = async (n) => {
      order.push("host waits");
      await new Promise((r) => setTimeout(r, 20));
      order.push("host answers");
      return new Uint8Array(Number(n)).fill(9);
    };
    const out = run(h);
    order.push("caller goes on");
    expect(await out).toBe(5009);
    expect(order).toEqual(["host waits", "caller goes on", "host answers"]);
  });

  it("a blocking import that answers at once does not suspend the result away", async () => {
    const { cx, run, size } = await instance(ns);
    const [, h] = thing(cx, "four");
    expect(await run(h)).toBe(5007);
    expect(await size(h)).toBe(4);
  });

  it("an err after waiting reaches the guest; a rejection without payload traps it", async () => {
    const { cx, run } = await instance(ns);
    const [t, h] = thing(cx);
    t.reader = () =>
      new Promise((_, fail) => setTimeout(() => fail(new WitError({ tag: "closed" })), 5));
    expect(await run(h)).toBe(-2);
    const boom = new GuestTrap("host refused");
    t.reader = () => Promise.reject(boom);
    await expect(run(h)).rejects.toBe(boom);
  });

  it("the guest's memory is written through its own cabi_realloc", async () => {
    const { cx, run } = await instance(ns);
    const [, h] = thing(cx);
    const spy = vi.spyOn(cx, "realloc");
    await run(h);
    expect(spy).toHaveBeenCalledWith(0, 0, 1, 5);
    expect(cx.memory.buffer.byteLength).toBe(PAGE);
  });
});
