/**
 * @module
 * Prints the host's import circles, by file and by folder (none is the rule; host/layers.test.ts
 * enforces it together with the declared order): `node scripts/import-graph.ts`.
 */
import { circles, hostEdges, roomEdges } from "../host/import-graph.test-support.ts";

const edges = hostEdges();
console.log("file circles:");
for (const c of circles(edges)) console.log("  " + c.join(", "));
console.log("folder circles:");
const rooms = roomEdges(edges);
for (const c of circles(rooms)) {
  console.log("  " + c.join(", "));
  for (const r of rooms)
    if (c.includes(r.from) && c.includes(r.to)) console.log(`    ${r.from} -> ${r.to}  (${r.via})`);
}
