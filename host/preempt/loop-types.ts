/**
 * @module preempt/loop-types
 * The block types the rewritten loops need: found among the module's own function types, or
 * appended to its type section (sections.ts `typeSection` writes them). Kept apart from
 * sections.ts so the rewrite context can name it without importing the section writers.
 */

import { sleb } from "../wasm/bytes.ts";
import type { ModuleLayout } from "./module-layout.ts";

/**
 * The block types of the `$slow` blocks of wrapped loops (checks.ts `loopHead`): `[p*] -> [p*]`
 * for a loop of type `[p*] -> [r*]`. The empty block type when p* is empty; else an existing
 * function type with those parameters and results (the loop's own, or the first found), else
 * one appended to the type section, once per distinct p*.
 */
export class LoopTypes {
  readonly #layout: ModuleLayout;
  /** Index of the first appended type. */
  readonly #first: number;
  /** By the bytes of p* (count included): the block type, encoded. */
  readonly #byParams = new Map<string, readonly number[]>();
  readonly #byType = new Map<number, readonly number[]>();
  #indexed = false;
  readonly added: Uint8Array[] = [];

  constructor(layout: ModuleLayout, first: number) {
    this.#layout = layout;
    this.#first = first;
  }

  slowType(typeIndex: number): readonly number[] {
    const known = this.#byType.get(typeIndex);
    if (known !== undefined) return known;
    const type = this.#layout.types[typeIndex];
    if (!type) throw new Error(`preempt: block type ${typeIndex} is not a function type`);
    let slow: readonly number[] = [0x40];
    if (type.params > 0) {
      const b = this.#layout.bytes;
      const params = b.subarray(type.paramsAt, type.resultsAt);
      if (sameBytes(params, b.subarray(type.resultsAt, type.resultsEnd))) slow = sleb(typeIndex);
      else {
        this.#indexTypes();
        const key = params.join(",");
        let found = this.#byParams.get(key);
        if (found === undefined) {
          found = sleb(this.#first + this.added.length);
          this.added.push(Uint8Array.from([0x60, ...params, ...params]));
          this.#byParams.set(key, found);
        }
        slow = found;
      }
    }
    this.#byType.set(typeIndex, slow);
    return slow;
  }

  /** Indexes the module's own `[p*] -> [p*]` types, once. */
  #indexTypes(): void {
    if (this.#indexed) return;
    this.#indexed = true;
    const { types, bytes } = this.#layout;
    for (let i = 0; i < types.length; i++) {
      const t = types[i];
      if (!t || t.params === 0) continue;
      const params = bytes.subarray(t.paramsAt, t.resultsAt);
      const key = params.join(",");
      if (
        !this.#byParams.has(key) &&
        sameBytes(params, bytes.subarray(t.resultsAt, t.resultsEnd))
      ) {
        this.#byParams.set(key, sleb(i));
      }
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
