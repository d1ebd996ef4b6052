/**
 * Median throughput of a tight loop: `fn` returns the units it did (bytes, records); each of
 * `runs` runs lasts `durationMs`; the median of units/second is returned. One warm-up call
 * first, so the JIT has seen the code.
 */
export function medianRate(fn, durationMs, runs = 5) {
  const rates = [];
  fn();
  for (let r = 0; r < runs; r++) {
    let units = 0;
    const t0 = performance.now();
    let elapsed;
    do {
      units += fn();
      elapsed = performance.now() - t0;
    } while (elapsed < durationMs);
    rates.push(units / (elapsed / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[runs >> 1];
}
