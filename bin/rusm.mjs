#!/usr/bin/env node
// rusm's entry point. Plain JavaScript so that any Node can run it far enough to say, in one
// line, that rusm needs JSPI (Node >= 24): the project brings Node 24 as a dependency, and
// `npx rusm` / `npm run` put it first on PATH.
const wasm = globalThis.WebAssembly;
if (typeof wasm?.Suspending !== "function" || typeof wasm?.promising !== "function") {
  process.stderr.write(
    `rusm: error[RUSM_NODE_UNSUPPORTED] this Node.js (${process.version}) has no JSPI (WebAssembly.Suspending); rusm needs Node >= 24: run it through npm (\`npx rusm\`, or an npm script), which puts the Node 24 that rusm depends on first on PATH\n`,
  );
  process.exit(1);
}
// In the checkout, the TypeScript sources; installed from the package, their compiled
// JavaScript (Node strips no types under node_modules).
const source = new globalThis.URL("../host/cli/main.ts", import.meta.url);
const { existsSync } = await import("node:fs");
const { main } = await import(existsSync(source) ? source.href : "../host/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
