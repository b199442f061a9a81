/**
 * @module toolchain/componentize-job
 * What the build asks of componentize-child.ts, and how the child reports a failure. Shared
 * by both sides; the child module itself runs on import, so the parent imports only this.
 */

/** The job file the child reads (its one argument). */
export interface ComponentizeJob {
  sourcePath: string;
  witPath: string;
  worldName: string;
  outPath: string;
}

/** The key of the one JSON line on stderr that carries the child's failure message. */
export const ERROR_MARKER = "rusmComponentizeError";
