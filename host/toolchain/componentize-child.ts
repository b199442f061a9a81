/**
 * @module toolchain/componentize-child
 * Runs componentize-js in a child process: `node componentize-child.ts <job.json>`.
 *
 * componentize-js blocks its thread in `spawnSync` while wizer snapshots the engine (10-40 s,
 * ~0.9 GB), and hands that spawn the process's own stdout/stderr, which a worker thread does
 * not have. In a child, the parent stays free to print progress. The child writes the
 * component to the job's `outPath`; on failure it prints one JSON line
 * `{"rusmComponentizeError": message}` on stderr and exits 1.
 */
import { readFile, writeFile } from "node:fs/promises";
import { componentize } from "@bytecodealliance/componentize-js";
import { ERROR_MARKER, type ComponentizeJob } from "./componentize-job.ts";
import { ensureToolPreopens } from "./preopens.ts";

try {
  const job = JSON.parse(await readFile(process.argv[2]!, "utf8")) as ComponentizeJob;
  await ensureToolPreopens();
  const { component } = await componentize({
    sourcePath: job.sourcePath,
    witPath: job.witPath,
    worldName: job.worldName,
  });
  await writeFile(job.outPath, component);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`\n${JSON.stringify({ [ERROR_MARKER]: message })}\n`);
  process.exitCode = 1;
}
