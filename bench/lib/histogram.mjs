/**
 * A log-bucket latency histogram in the manner of HdrHistogram (hdr-histogram-js is not
 * installed): whole microseconds, exact below 128 us, above that 64 sub-buckets per power of
 * two, so a reported percentile is within 1/64 (1.6%) of the true sample. Fixed memory
 * however many samples are recorded; min, max and mean are exact.
 */
const SUB_BUCKETS = 64;
const LINEAR = 2 * SUB_BUCKETS; // values below this get a bucket each
const BUCKETS = LINEAR + 40 * SUB_BUCKETS; // up to 2^46 us, far past any wait in a bench

function indexOf(us) {
  if (us < LINEAR) return us;
  const shift = 31 - Math.clz32(us) - 6; // keeps the top 7 bits: 64..127
  const index = LINEAR + (shift - 1) * SUB_BUCKETS + ((us >>> shift) - SUB_BUCKETS);
  return Math.min(index, BUCKETS - 1);
}

/** The middle of a bucket, in microseconds. */
function valueOf(index) {
  if (index < LINEAR) return index;
  const shift = Math.floor((index - LINEAR) / SUB_BUCKETS) + 1;
  const mantissa = SUB_BUCKETS + ((index - LINEAR) % SUB_BUCKETS);
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2;
}

export class Histogram {
  counts = new Float64Array(BUCKETS);
  count = 0;
  sumUs = 0;
  minUs = Infinity;
  maxUs = 0;

  /** Records one latency given in milliseconds (performance.now() differences). */
  recordMs(ms) {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[indexOf(Math.min(us, 2 ** 31 - 1))]++;
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** The value at percentile p (0-100), in milliseconds; NaN when empty. */
  percentileMs(p) {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(Math.max(valueOf(i), this.minUs), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary() {
    const r = (x) => Math.round(x * 1000) / 1000;
    if (this.count === 0) return { count: 0 };
    return {
      count: this.count,
      minMs: r(this.minUs / 1000),
      p50Ms: r(this.percentileMs(50)),
      p99Ms: r(this.percentileMs(99)),
      p999Ms: r(this.percentileMs(99.9)),
      maxMs: r(this.maxUs / 1000),
      meanMs: r(this.sumUs / this.count / 1000),
    };
  }
}
