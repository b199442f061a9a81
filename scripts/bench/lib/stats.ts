/**
 * @module scripts/bench/lib/stats
 * Percentiles of measured samples.
 */

/** The `q` quantile of ascending `sorted` values (nearest rank); NaN when there are none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
