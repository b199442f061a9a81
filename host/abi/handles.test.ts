/**
 * The per-instance handle table: handles start at 1 (0 is never valid), freed slots are
 * reused, and a handle of the wrong resource type, an unknown or a taken one traps.
 */
import { describe, expect, it } from "vitest";
import { GuestTrap } from "../wasi/errors.ts";
import { HandleTable } from "./handles.ts";
import { resource } from "./types.ts";

const streamRes = resource("wasi:io/streams#output-stream");
const pollRes = resource("wasi:io/poll#pollable");

describe("HandleTable", () => {
  it("inserts from handle 1 up; get returns the object and keeps it", () => {
    const table = new HandleTable();
    const a = { a: 1 };
    const b = { b: 2 };
    expect(table.insert(streamRes, a)).toBe(1);
    expect(table.insert(pollRes, b)).toBe(2);
    expect(table.get(streamRes, 1)).toBe(a);
    expect(table.get(streamRes, 1)).toBe(a);
    expect(table.get(pollRes, 2)).toBe(b);
  });

  it("take returns the object and frees the handle: it traps afterwards", () => {
    const table = new HandleTable();
    const a = {};
    const h = table.insert(streamRes, a);
    expect(table.take(streamRes, h)).toBe(a);
    expect(() => table.get(streamRes, h)).toThrow(GuestTrap);
    expect(() => table.take(streamRes, h)).toThrow(/unknown handle 1/);
  });

  it("reuses freed slots instead of growing", () => {
    const table = new HandleTable();
    const handles = [1, 2, 3].map((i) => table.insert(pollRes, { i }));
    expect(handles).toEqual([1, 2, 3]);
    table.take(pollRes, 2);
    expect(table.insert(streamRes, "x")).toBe(2);
    expect(table.get(streamRes, 2)).toBe("x");
    table.take(pollRes, 1);
    table.take(pollRes, 3);
    expect([table.insert(pollRes, "p"), table.insert(pollRes, "q")].sort()).toEqual([1, 3]);
    expect(table.insert(pollRes, "r")).toBe(4);
  });

  it("a long run of make-and-drop keeps the table at one slot", () => {
    const table = new HandleTable();
    for (let i = 0; i < 1000; i++) {
      const h = table.insert(pollRes, i);
      expect(h).toBe(1);
      expect(table.take(pollRes, h)).toBe(i);
    }
  });

  it("a handle of another resource type traps, naming both types, and stays valid", () => {
    const table = new HandleTable();
    const h = table.insert(streamRes, {});
    expect(() => table.get(pollRes, h)).toThrow(GuestTrap);
    expect(() => table.take(pollRes, h)).toThrow(
      "handle 1 is a wasi:io/streams#output-stream, not a wasi:io/poll#pollable",
    );
    expect(table.get(streamRes, h)).toEqual({});
  });

  it("resource types are told apart by identity, not by key", () => {
    const table = new HandleTable();
    const h = table.insert(streamRes, {});
    expect(() => table.get(resource("wasi:io/streams#output-stream"), h)).toThrow(GuestTrap);
  });

  it("handle 0, negative, fractional and unknown handles trap", () => {
    const table = new HandleTable();
    table.insert(streamRes, {});
    expect(() => table.get(streamRes, 0)).toThrow(GuestTrap);
    expect(() => table.take(streamRes, 0)).toThrow(/unknown handle 0/);
    expect(() => table.get(streamRes, -1)).toThrow(GuestTrap);
    expect(() => table.get(streamRes, 1.5)).toThrow(GuestTrap);
    expect(() => table.get(streamRes, 2)).toThrow(GuestTrap);
    expect(() => table.get(streamRes, 0xffffffff)).toThrow(GuestTrap);
  });

  it("an object stored as undefined is still a live handle", () => {
    const table = new HandleTable();
    const h = table.insert(streamRes, undefined);
    expect(table.get(streamRes, h)).toBeUndefined();
    expect(table.take(streamRes, h)).toBeUndefined();
    expect(() => table.get(streamRes, h)).toThrow(GuestTrap);
  });
});
