/**
 * @module layers.test
 * The floor plan, enforced (issue 17): the host's rooms in their declared order, leaf first,
 * and a failure for any import that points up it, for any room not placed in it, and for any
 * circle among files or rooms. STYLE.md says why; this list is what holds.
 *
 * What runs in rusm is checked against the order. Unit tests and their fixtures
 * (`*.test.ts`, `*test-support.ts`) may reach any room for fixtures, but are held to the
 * rest: nothing imports `cli/`, `scripts/` or `test/` (`testing/` only `check/`), nothing that runs imports
 * test support, and no file circles.
 */
import { describe, expect, it } from "vitest";
import {
  circles,
  hostEdges,
  isTestFile,
  roomEdges,
  roomOf,
  type Edge,
} from "./import-graph.test-support.ts";

/**
 * The declared order, leaf first. A room may import rooms of its own level or of an earlier
 * one. The catalog of host interfaces sits between their implementations and component/.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["errors", "log", "metrics", "config", "router", "sse", "wasm"],
  ["stream"],
  ["wasi"],
  ["abi", "preempt"],
  ["lifecycle"],
  ["services"],
  ["rusm-guest", "rusm-pubsub", "admin"],
  ["catalog"],
  ["component"],
  ["process"],
  ["server"],
  ["workers", "toolchain"],
  ["dev"],
  ["testing"],
  ["check"],
  ["cli"],
];

/** Rooms that nothing in host/ may import: the entry points. */
const ENTRY_ROOMS = new Set(["cli"]);

const LEVEL = new Map(LAYERS.flatMap((rooms, level) => rooms.map((room) => [room, level])));

function show(edges: readonly Edge[]): string[] {
  return edges.map((e) => `${e.from} -> ${e.to}`);
}

const all = hostEdges({ tests: true });
const running = all.filter((e) => !isTestFile(e.from));

describe("the floor plan (STYLE.md, issue 17)", () => {
  it("reads an import graph (a check over no edges would pass anything)", () => {
    expect(running.length).toBeGreaterThan(300);
    expect(running).toContainEqual({
      from: "host/process/process.ts",
      to: "host/component/load.ts",
      typeOnly: true,
    });
  });

  it("places every room of host/ in the declared order", () => {
    const rooms = new Set(running.flatMap((e) => [roomOf(e.from), roomOf(e.to)]));
    const unplaced = [...rooms].filter((room) => !LEVEL.has(room)).sort();
    expect(unplaced, "rooms missing from LAYERS in host/layers.test.ts").toEqual([]);
  });

  it("has no import pointing up the order", () => {
    const upward = running.filter((e) => {
      const from = LEVEL.get(roomOf(e.from));
      const to = LEVEL.get(roomOf(e.to));
      return from !== undefined && to !== undefined && to > from;
    });
    expect(show(upward), "imports pointing up the declared order").toEqual([]);
  });

  it("has nothing importing the entry points, scripts/, test/ or test support", () => {
    const bad = all.filter(
      (e) =>
        (ENTRY_ROOMS.has(roomOf(e.to)) && roomOf(e.from) !== roomOf(e.to)) ||
        !e.to.startsWith("host/") ||
        (isTestFile(e.to) && !isTestFile(e.from)),
    );
    expect(show(bad)).toEqual([]);
  });

  it("has no circle among files", () => {
    expect(circles(all)).toEqual([]);
  });

  it("has no circle among rooms", () => {
    expect(circles(roomEdges(running))).toEqual([]);
  });
});
