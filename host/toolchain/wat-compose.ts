/**
 * @module toolchain/wat-compose
 * Joins WAT module fields from several files into one `(module ...)`, and maps positions in the
 * joined text back to the file they came from.
 *
 * The text format wants every import before the first function, memory, table or global, so
 * each file is split after its leading `(import ...)` forms: the joined module holds every
 * file's imports, in order, then every file's remaining fields, in order. Pure: no I/O.
 */

/** WAT text and the file it was read from (used in error messages only). */
export interface WatSource {
  file: string;
  text: string;
}

/** A position in a source file, 0-based as wasm-tools reports it. */
export interface WatPosition {
  file: string;
  line: number;
  col: number;
}

/** A joined module and the way back from its positions to the sources. */
export interface ComposedWat {
  text: string;
  /** Where 0-based `line`/`col` of {@link ComposedWat.text} came from. */
  locate(line: number, col: number): WatPosition | undefined;
}

interface Segment {
  file: string;
  text: string;
  /** 0-based line and column in `file` where `text` starts. */
  fileLine: number;
  fileCol: number;
  /** 0-based line in the joined text where `text` starts (set while joining). */
  joinedLine: number;
}

/** Skips whitespace, `;; line` and nestable `(; block ;)` comments from `i`. */
function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (text.startsWith(";;", i)) {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? text.length : eol + 1;
    } else if (text.startsWith("(;", i)) {
      i = skipBlockComment(text, i);
    } else {
      return i;
    }
  }
}

function skipBlockComment(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    if (text.startsWith("(;", i)) {
      depth++;
      i += 2;
    } else if (text.startsWith(";)", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

/** From `(` at `i`, the index just after its matching `)`; strings and comments are skipped. */
function skipForm(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
    } else if (text.startsWith(";;", i) || text.startsWith("(;", i)) {
      i = skipTrivia(text, i);
    } else {
      i++;
      if (c === "(") depth++;
      else if (c === ")" && --depth === 0) return i;
    }
  }
  return i;
}

/** The offset just after the last of the `(import ...)` forms `text` starts with (0 if none). */
export function leadingImportsEnd(text: string): number {
  let end = 0;
  for (;;) {
    const i = skipTrivia(text, end);
    if (!/^\(import\s/.test(text.slice(i, i + 8))) return end;
    end = skipForm(text, i);
  }
}

function position(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, col: offset - (before.lastIndexOf("\n") + 1) };
}

/**
 * Joins module fields from `parts` into one `(module ...)`: first each part's leading imports,
 * then the rest of each part, both in the order given. A part may not hold `(module`.
 */
export function composeWat(parts: readonly WatSource[]): ComposedWat {
  const heads: Segment[] = [];
  const tails: Segment[] = [];
  for (const { file, text } of parts) {
    const split = leadingImportsEnd(text);
    const at = position(text, split);
    heads.push({ file, text: text.slice(0, split), fileLine: 0, fileCol: 0, joinedLine: 0 });
    tails.push({
      file,
      text: text.slice(split),
      fileLine: at.line,
      fileCol: at.col,
      joinedLine: 0,
    });
  }
  const segments = [...heads, ...tails];
  let text = "(module\n";
  let line = 1;
  for (const segment of segments) {
    segment.joinedLine = line;
    text += `${segment.text}\n`;
    line += segment.text.split("\n").length;
  }
  text += ")\n";
  return {
    text,
    locate(joinedLine, col) {
      const segment = segments.findLast((s) => s.joinedLine <= joinedLine);
      if (segment === undefined) return undefined;
      const line = joinedLine - segment.joinedLine;
      return {
        file: segment.file,
        line: segment.fileLine + line,
        col: line === 0 ? segment.fileCol + col : col,
      };
    },
  };
}
