/**
 * @module component/load-error
 * What a component that fails to load prints: one line, whatever jco, wasm-tools or V8 threw.
 *
 * wasm-tools and jco's Rust code report errors in anyhow's debug format, several lines:
 *
 *     failed to extract interface information from component
 *
 *     Caused by:
 *         unexpected end-of-file (at offset 0x18a6)
 *
 * (with `0:`, `1:` numbering when the chain is longer, and a cause may itself span lines).
 * {@link oneLine} joins such a chain into `failed to extract interface information from
 * component: unexpected end-of-file (at offset 0x18a6)`; {@link errorChain} keeps everything,
 * stacks included, for the debug log.
 */

/** Longest cause printed; the debug log has the whole text. */
const MAX_CHARS = 1000;

/** The message of anything thrown (an Error, a string, an object with a `message`). */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) {
    return String(err.message);
  }
  return String(err);
}

/**
 * `text` on one line: lines trimmed and joined with `: ` (with a space inside a bracketed value
 * Rust printed over several lines), empty lines and anyhow's `Caused by:` headers dropped (with
 * the `0:` numbering of the causes after it), nothing from a `Stack backtrace:` on.
 */
export function collapse(text: string): string {
  const parts: string[] = [];
  let causes = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (/^caused by:?$/i.test(line)) {
      causes = true;
      continue;
    }
    if (/^stack backtrace:?$/i.test(line)) break;
    parts.push(causes ? line.replace(/^\d+:\s+/, "") : line);
  }
  // Rust's pretty-printed values span lines too (`expected=[\n    0x0,\n    0x61,\n]`): inside
  // one, lines are joined with a space.
  let joined = parts[0] ?? "";
  for (let i = 1; i < parts.length; i++) {
    const inside = /[[{(,]$/.test(parts[i - 1]!) || /^[\]})]/.test(parts[i]!);
    joined += (inside ? " " : ": ") + parts[i]!;
  }
  return joined.length > MAX_CHARS ? `${joined.slice(0, MAX_CHARS)}…` : joined;
}

/** What `err` says, on one line (see {@link collapse}). */
export function oneLine(err: unknown): string {
  return collapse(messageOf(err)) || (err instanceof Error ? err.name : "unknown error");
}

/** Everything `err` and its causes say, stacks included, for the debug log. */
export function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : messageOf(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join("\ncaused by: ");
}
