/**
 * @module cli/check
 * `rusm check <routes.toml|app.wasm> [--route R]... [--junit FILE]`: the lifecycle table for
 * CI (check/). Exit 0 when every row passed, 1 when one failed.
 */
import { allPassed, runCheck } from "../check/index.ts";

export interface CheckFlags {
  route?: string[] | undefined;
  junit?: string | undefined;
  cacheDir?: string | undefined;
}

export async function checkCommand(target: string, flags: CheckFlags): Promise<number> {
  const reports = await runCheck(target, {
    routes: flags.route,
    junit: flags.junit,
    cacheDir: flags.cacheDir,
    print: (line) => process.stdout.write(`${line}\n`),
  });
  return allPassed(reports) ? 0 : 1;
}
