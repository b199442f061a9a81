/**
 * @module preempt/rewrite-context
 * Everything the section rewriters share for one module: the decoded layout, the plan for code
 * bodies, the new indices, the entry wrappers, and what has been learned so far about whether
 * references to imported functions can reach a table or a `call_ref`.
 */

import type { CheckIndices } from "./checks.ts";
import type { RewritePlan } from "./expr-rewriter.ts";
import type { ModuleLayout } from "./module-layout.ts";
import type { LoopTypes } from "./loop-types.ts";

/** Where preemption checks go. */
export type Placement = "loops" | "calls" | "kill";

/** Import module name of everything the rewrite adds: `tick`, `yield` and `flag`. */
export const PREEMPT_MODULE = "rusm:preempt";

/** The export under which the rewritten module exposes its `$fuel` global to the host. */
export const FUEL_EXPORT = "rusm:preempt/fuel";

/** An entry wrapper: a new function calling defined function `target` with `$may_yield` = 1. */
export interface EntryWrapper {
  /** Index of the wrapped function in the rewritten module. */
  target: number;
  typeIndex: number;
  params: number;
  /** Its index in the rewritten module. */
  index: number;
  /** The first export name that selected it (for the name section). */
  exportName: string;
}

export interface RewriteContext {
  layout: ModuleLayout;
  placement: Placement;
  plan: RewritePlan;
  ix: CheckIndices;
  /** The `flag` memory is imported (placements `calls` and `kill`). */
  addFlag: boolean;
  /** Index of the added `() -> i32` type. */
  tickType: number;
  /** The `[p*] -> [p*]` types wrapped loops need, appended after it. */
  loopTypes: LoopTypes;
  /** The check at every function entry, if any. */
  entryCheck: Uint8Array | null;
  /** By original function index of the wrapped function. */
  wrappers: Map<number, EntryWrapper>;
  /** Some table or function reference may hold an imported function (set while rewriting). */
  mayHoldImports: boolean;
  /** Indices of defined globals of a reference type (filled by the global section). */
  refGlobals: Set<number>;
  /** Labels the entry check opens in front of every body's own. */
  entryLabels: number;
  /**
   * By original function index: the labels the rewrite inserted in its body besides the entry
   * check, one entry each, as the original label index it went in front of, ascending.
   */
  insertedLabels: Map<number, Int32Array>;
  yieldChecks: number;
  killChecks: number;
}
