/** Most events in any half-open window [t, t + widthMs), for times in ms. */
export function maxInWindow(times: number[], widthMs = 1000): number {
  const sorted = Float64Array.from(times).sort();
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= widthMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** The p-th percentile (0..100) of a list of numbers. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Smallest and largest of a list too long to spread into Math.min. */
export function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
