/**
 * @module
 * `postpack`: removes what `prepack` (tsc -p tsconfig.build.json) wrote beside host/'s sources,
 * the compiled JavaScript the package ships (`*.js`, `*.js.map`, and the `*.d.ts` of a `.ts`),
 * so the checkout runs its TypeScript again. `node scripts/pack-clean.ts`.
 */
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const HOST = fileURLToPath(new URL("../host", import.meta.url));
let removed = 0;
for (const entry of await readdir(HOST, { recursive: true })) {
  const file = join(HOST, entry);
  const emitted =
    /\.js(\.map)?$/.test(entry) ||
    (entry.endsWith(".d.ts") && existsSync(file.replace(/\.d\.ts$/, ".ts")));
  if (!emitted) continue;
  await rm(file);
  removed++;
}
console.log(`pack-clean: removed ${removed} compiled files from host/`);
