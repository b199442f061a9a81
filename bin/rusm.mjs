#!/usr/bin/env node
// rusm's entry point. Plain JavaScript so that any Node can run it far enough to say, in one
// line, that rusm needs JSPI (Node >= 24): the project brings Node 24 as a dependency, and
// `npx rusm` / `npm run` put it first on PATH.
const wasm = globalThis.WebAssembly;
if (typeof wasm?.Suspending !== "function" || typeof wasm?.promising !== "function") {
  process.stderr.write(
    `rusm: error[RUSM_NODE_UNSUPPORTED] this Node.js (${process.version}) has no JSPI (WebAssembly.Suspending); rusm needs Node >= 24: run it as \`npx rusm\` in the rusm folder (after \`npm install\`), which uses the project's own Node 24\n`,
  );
  process.exit(1);
}
const { main } = await import("../host/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
