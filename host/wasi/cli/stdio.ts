/**
 * @module wasi/cli/stdio
 * `wasi:cli/stdin`, `stdout` and `stderr@0.2.x`: stdin is empty; stdout and stderr are captured
 * per process into the host log with the process id (see lifecycle/stdio.ts). Writes never
 * block and never fail.
 */
import type { WasiContext } from "../context.ts";
import { InputStream, OutputStream, type InputSource, type OutputTarget } from "../io/streams.ts";

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
    // Copy: the bytes may be a view into guest memory that the guest reuses.
    write: (bytes) => write(bytes.slice()),
    isReady: () => true,
    whenReady: () => Promise.resolve(),
  };
}

/** The `wasi:cli/stdin`, `stdout` and `stderr` import namespaces for one process. */
export function cliStdio(ctx: WasiContext) {
  return {
    stdin: { getStdin: () => new InputStream(ctx, EMPTY) },
    stdout: {
      getStdout: () =>
        new OutputStream(
          ctx,
          capture((b) => ctx.stdout(b)),
        ),
    },
    stderr: {
      getStderr: () =>
        new OutputStream(
          ctx,
          capture((b) => ctx.stderr(b)),
        ),
    },
  };
}
