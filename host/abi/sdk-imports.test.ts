/**
 * The SDK import readers of sdk-imports.test-support.ts on small sources: what they read, and
 * that a declaration they cannot read throws (so wit-bindings.test.ts cannot pass by skipping it).
 */
import { describe, expect, it } from "vitest";
import { cImports, rustImports } from "./sdk-imports.test-support.ts";

describe("rustImports", () => {
  it("reads each extern fn's module, link name and core types, with its line", () => {
    const source = `//! docs
#[link(wasm_import_module = "wasi:io/streams@0.2.12")]
extern "C" {
    /// \`read\`: a comment with fn(x: i64) in it.
    #[link_name = "[method]input-stream.blocking-read"]
    pub fn read(this: i32, len: i64, ret: *mut u8);
    pub fn plain(a: usize, b: f64) -> u64;
}
`;
    expect(rustImports("a.rs", source)).toEqual([
      {
        at: "a.rs:5",
        fn: "read",
        module: "wasi:io/streams@0.2.12",
        name: "[method]input-stream.blocking-read",
        params: ["i32", "i64", "i32"],
        results: [],
      },
      {
        at: "a.rs:7",
        fn: "plain",
        module: "wasi:io/streams@0.2.12",
        name: "plain",
        params: ["i32", "f64"],
        results: ["i64"],
      },
    ]);
  });

  it("throws on an extern fn it cannot read instead of leaving it unchecked", () => {
    const source = `#[link(wasm_import_module = "m")]
extern "C" {
    pub fn generic<T>(x: T);
}`;
    expect(() => rustImports("b.rs", source)).toThrow(
      /b\.rs:1: an extern fn this reader cannot parse/,
    );
    expect(() => rustImports("c.rs", `extern "C" { pub fn f(x: Option<u8>); }`)).not.toThrow();
    expect(() =>
      rustImports("d.rs", `#[link(wasm_import_module = "m")] extern "C" { pub fn f(x: String); }`),
    ).toThrow(/d\.rs:1: no core wasm type for Rust type `String`/);
  });
});

describe("cImports", () => {
  it("reads IMPORT declarations, with #define'd module names, named or unnamed parameters", () => {
    const source = `#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define HTTP "wasi:http/types@0.2.12"
/* IMPORT(HTTP, "in a comment") void no(void); */
IMPORT(HTTP, "[constructor]fields") int32_t fields_new(void);
IMPORT("wasi:io/poll@0.2.12", "poll")
void poll(const int32_t *list, size_t n, void *ret);
IMPORT(HTTP, "x") int64_t x(int64_t at, double d, float);
`;
    expect(
      cImports("i.h", source).map((i) => [i.at, i.module, i.name, i.params, i.results]),
    ).toEqual([
      ["i.h:4", "wasi:http/types@0.2.12", "[constructor]fields", [], ["i32"]],
      ["i.h:5", "wasi:io/poll@0.2.12", "poll", ["i32", "i32", "i32"], []],
      ["i.h:7", "wasi:http/types@0.2.12", "x", ["i64", "f64", "f32"], ["i64"]],
    ]);
  });

  it("throws on an import it cannot read", () => {
    const define = `#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))\n`;
    expect(() => cImports("j.h", `${define}IMPORT(NOPE, "f") void f(void);`)).toThrow(
      /j\.h:2: NOPE is not a #define'd module name/,
    );
    expect(() => cImports("k.h", `${define}IMPORT("m", "f") void f(void (*cb)(int));`)).toThrow(
      /k\.h: an IMPORT\(\.\.\.\) declaration this reader cannot parse/,
    );
    expect(() => cImports("k.h", `${define}IMPORT("m", "f") struct s f(void);`)).toThrow(
      /k\.h:2: no core wasm type for C type `struct s`/,
    );
    expect(() =>
      cImports("l.c", `__attribute__((import_module("m"), import_name("f"))) void f(void);`),
    ).toThrow(/outside IMPORT/);
  });
});
