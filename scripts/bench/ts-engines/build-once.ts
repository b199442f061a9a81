/**
 * @module scripts/bench/ts-engines/build-once
 * One `rusm build` of a TypeScript guest in a process of its own, with no build cache (the
 * QuickJS engine's own compile stays cached per machine: host/toolchain/quickjs.ts), so the
 * bench reads its wall time and its peak RSS apart from its own:
 *
 *     node build-once.ts ENTRY OUT starlingmonkey|quickjs
 *
 * Prints one JSON line: `{"ms": wall ms, "maxRssKiB": peak RSS, "bytes": component size}`.
 */
import { buildGuest, type Engine } from "../../../host/toolchain/guest-build.ts";

const [entry, out, engine] = process.argv.slice(2) as [string, string, Engine];
const started = performance.now();
const result = await buildGuest({ entry, out, cacheDir: null, engine });
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, bytes: result.bytes })}\n`,
);
