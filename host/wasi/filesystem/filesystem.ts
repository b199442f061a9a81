/**
 * @module wasi/filesystem
 * `wasi:filesystem/preopens` and `wasi:filesystem/types@0.2.x`: rusm gives processes no
 * filesystem. There are no preopens, so a guest never holds a descriptor; the resource classes
 * exist only because components built with a libc (StarlingMonkey) import them.
 */

/** WIT: `resource descriptor` (never handed out: there are no preopens) */
export class Descriptor {}
/** WIT: `resource directory-entry-stream` (never handed out) */
export class DirectoryEntryStream {}

/** The `wasi:filesystem/preopens` import namespace. */
export const preopens = {
  /** WIT: `get-directories: func() -> list<tuple<descriptor, string>>;` Always empty. */
  getDirectories: (): Array<[Descriptor, string]> => [],
} as const;

/** The `wasi:filesystem/types` import namespace. */
export const filesystemTypes = {
  Descriptor,
  DirectoryEntryStream,
  /** WIT: `filesystem-error-code: func(err: borrow<error>) -> option<error-code>;` */
  filesystemErrorCode: (): undefined => undefined,
} as const;
