/**
 * @module component/glue
 * Fixes rusm applies to the JS glue jco generates, once, at transpile time (the cached glue is
 * the fixed one; component/cache.ts's format number changes with them).
 *
 * **Drops without a destructor.** jco 1.11.2 (js-component-bindgen's `transpile_bindgen.rs`,
 * `Instantiator::instantiate`) writes the `[resource-drop]` trampolines of imported resources
 * among its "early" trampolines: after lowering the imports, but before walking the component's
 * exports. A drop's destructor disposes the host object behind the handle, found in the
 * resource's capture table, and is only written when the resource already has a local name by
 * then, which it gets from a lowered import whose signature mentions it. Otherwise the drop is
 * written as
 *
 *     function trampoline5(handle) {
 *       const handleEntry = rscTableRemove(handleTable7, handle);
 *       if (handleEntry.own) {
 *         throw new TypeError('unreachable resource trampoline')
 *       }
 *     }
 *
 * on the assumption that no owned handle of it can exist. It can: an export's parameters lift
 * host objects into the table (`handle(request, response-out)` puts the `incoming-request` in
 * `captureTable7` and `handleTable7`). So a guest that imports no function of `incoming-request`
 * but its drop (it answers and lets the request go unread: a Rust guest's `IncomingRequest`
 * going out of scope) throws after answering, and its exit counts as a trap.
 *
 * {@link fixUnreachableDrops} rewrites each such trampoline to what jco writes for every other
 * resource: remove the handle, and when the table held a host object, forget it and call its
 * `Symbol.dispose`. The capture table of a handle table is read from the glue's own lifting code
 * (`captureTableN.set(rep, x); ... = rscTableCreateOwn(handleTableT, rep)`); a handle table that
 * no code ever fills from the host gets a drop that only removes the handle.
 */

/** A drop trampoline jco left without a destructor. */
const UNREACHABLE_DROP =
  /function (trampoline\d+)\(handle\) \{\s*const handleEntry = (\w+)\((handleTable\d+), handle\);\s*if \(handleEntry\.own\) \{\s*throw new TypeError\('unreachable resource trampoline'\)\s*\}\s*\}/g;

/** Where lifting code puts a host object into a handle table: its capture table and the table. */
const CAPTURE = /(captureTable\d+)\.set\(rep, [\w$]+\);\s*[\w$]+ = \w+\((handleTable\d+), rep\);/g;

/** What {@link fixUnreachableDrops} changed. */
export interface GlueFix {
  /** The glue, with every drop trampoline that had no destructor given one. */
  readonly glue: string;
  /** The trampolines rewritten, with the handle and capture tables each now uses. */
  readonly fixed: ReadonlyArray<{
    readonly trampoline: string;
    readonly handleTable: string;
    readonly captureTable: string | null;
  }>;
}

/**
 * Gives every `[resource-drop]` trampoline jco wrote as "unreachable" a destructor (see the
 * module comment). Pure; glue with no such trampoline comes back unchanged.
 */
export function fixUnreachableDrops(glue: string): GlueFix {
  const captureOf = new Map<string, string>();
  for (const m of glue.matchAll(CAPTURE)) captureOf.set(m[2]!, m[1]!);
  const fixed: Array<GlueFix["fixed"][number]> = [];
  const out = glue.replace(
    UNREACHABLE_DROP,
    (_whole, trampoline: string, remove: string, handleTable: string) => {
      const captureTable = captureOf.get(handleTable) ?? null;
      fixed.push({ trampoline, handleTable, captureTable });
      const dispose =
        captureTable === null
          ? "// rusm: nothing fills this table from the host, so there is nothing to dispose."
          : `const rsc = ${captureTable}.get(handleEntry.rep);
    if (rsc) {
      ${captureTable}.delete(handleEntry.rep);
      if (rsc[Symbol.dispose]) rsc[Symbol.dispose]();
    }`;
      return `function ${trampoline}(handle) {
  const handleEntry = ${remove}(${handleTable}, handle);
  if (handleEntry.own) {
    // rusm (component/glue.ts): jco wrote this drop as unreachable; it is not.
    ${dispose}
  }
}`;
    },
  );
  return { glue: out, fixed };
}
