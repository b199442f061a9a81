/**
 * @module wasi/cli/stdio
 * `wasi:cli/stdin`, `stdout` and `stderr@0.2.x`: stdin is empty; stdout and stderr are captured
 * per process into the host log with the process id (see process/stdio.ts). Writes never
 * block and never fail.
 */
import type { WasiContext } from "../context.ts";
import type { InputSource } from "../io/readiness.ts";
import { InputStream, OutputStream, type OutputTarget } from "../io/streams.ts";

/** Room reported by `check-write` on stdio: generous, the capture never blocks. */
const STDIO_PERMIT = 1 << 20;

const EMPTY: InputSource = {
  read: () => null,
  isReady: () => true,
  whenReady: () => Promise.resolve(),
};

function capture(write: (bytes: Uint8Array) => void): OutputTarget {
  return {
    permit: () => STDIO_PERMIT,
    // The capture decodes the bytes before returning: no copy needed.
    write,
    isReady: () => true,
    whenReady: () => Promise.resolve(),
  };
}

/** The `wasi:cli/stdin` import namespace for one process. */
export const cliStdin = (ctx: WasiContext) => ({ getStdin: () => new InputStream(ctx, EMPTY) });

/** The `wasi:cli/stdout` import namespace for one process. */
export const cliStdout = (ctx: WasiContext) => ({
  getStdout: () =>
    new OutputStream(
      ctx,
      capture((b) => ctx.stdout(b)),
    ),
});

/** The `wasi:cli/stderr` import namespace for one process. */
export const cliStderr = (ctx: WasiContext) => ({
  getStderr: () =>
    new OutputStream(
      ctx,
      capture((b) => ctx.stderr(b)),
    ),
});
