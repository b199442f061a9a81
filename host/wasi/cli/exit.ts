/**
 * @module wasi/cli/exit
 * `wasi:cli/exit@0.2.x`: ends the calling process. `exit(ok)` is a normal exit; `exit(err)`
 * ends it as a failure (counted as `trap`, see lifecycle/exit.ts).
 */
import type { WasiContext } from "../context.ts";

/** The `wasi:cli/exit` import namespace for one process. */
export function cliExit(ctx: WasiContext) {
  return {
    /** WIT: `exit: func(status: result);` Never returns. */
    exit(status: { tag: "ok" | "err" }): never {
      return ctx.exit(status.tag === "ok");
    },
    /** WIT: `exit-with-code: func(status-code: u8);` (unstable; 0 is success) */
    exitWithCode(code: number): never {
      return ctx.exit(code === 0);
    },
  };
}
