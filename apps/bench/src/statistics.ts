/** The few statistics the harness reports. */

/**
 * The median of `samples` (the mean of the middle two for an even count).
 *
 * @throws RangeError for an empty list.
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median: samples must not be empty');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The spread of `samples` around their median: half the range over the median, shown as
 * `±x%`. With a handful of repetitions the range says more than a standard deviation.
 *
 * @throws RangeError for an empty list.
 */
export function spread(samples: readonly number[]): number {
  const middle = median(samples);
  if (middle === 0) return 0;
  return (Math.max(...samples) - Math.min(...samples)) / 2 / Math.abs(middle);
}

/**
 * `ours / other` in the workload's unit: above 1 means ours is faster when bigger is better,
 * slower when smaller is better.
 */
export function ratio(ours: number, other: number): number {
  return ours / other;
}

/**
 * How many times faster ours is than the other (below 1: slower), whatever the unit's direction.
 */
export function speedup(ours: number, other: number, better: 'higher' | 'lower'): number {
  return better === 'higher' ? ours / other : other / ours;
}
