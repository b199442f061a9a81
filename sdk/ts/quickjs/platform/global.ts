/**
 * @module rusm/guest/quickjs/platform/global
 * The global object the platform layer fills in, and how it shows a value (console, errors).
 */
export const g = globalThis as unknown as Record<string, unknown>;

export function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return `${v.name}: ${v.message}${v.stack ? `\n${v.stack}` : ""}`;
  try {
    return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  } catch {
    return String(v);
  }
}
