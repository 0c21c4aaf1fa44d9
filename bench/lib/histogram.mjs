/**
 * A latency histogram in the manner of HdrHistogram: log-linear buckets with 64 linear
 * sub-buckets per power of two, so every recorded value keeps about 1.5 % precision from
 * 1 microsecond to about 70 minutes, in a fixed array of 1,792 counters and O(1) per record.
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64 sub-buckets per power of two
const MAX_SHIFT = 26; // covers every value below 2^32 microseconds

/** Counts of latencies in microseconds. */
export class Histogram {
  constructor() {
    this.counts = new Float64Array(2 * SUB + MAX_SHIFT * SUB);
    this.total = 0;
    this.max = 0;
    this.sum = 0;
  }

  /** Records one value in microseconds (fractions are truncated). */
  record(us) {
    let v = us < 0 ? 0 : Math.floor(us);
    if (v > 0xffffffff) v = 0xffffffff;
    if (v > this.max) this.max = v;
    this.sum += v;
    this.total++;
    this.counts[indexOf(v)]++;
  }

  /** The value at quantile `q` (0..1), in microseconds: the upper edge of its bucket. */
  quantile(q) {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperEdge(i), this.max);
    }
    return this.max;
  }

  /** Adds the counts of another histogram. */
  merge(other) {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  /** Summary in microseconds. */
  summary() {
    return {
      count: this.total,
      mean: this.total === 0 ? 0 : Math.round(this.sum / this.total),
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.max,
    };
  }

  /** A plain, sparse copy for IPC and results files: `[bucket, count]` pairs of non-empty buckets. */
  toJSON() {
    const buckets = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, total: this.total, max: this.max, sum: this.sum };
  }

  /** The inverse of {@link Histogram.toJSON}. */
  static fromJSON(data) {
    const h = new Histogram();
    for (const [i, count] of data.buckets) h.counts[i] = count;
    h.total = data.total;
    h.max = data.max;
    h.sum = data.sum;
    return h;
  }
}

/** Bucket of `v`: exact below 128, then 64 linear steps per power of two. */
function indexOf(v) {
  if (v < 2 * SUB) return v;
  const shift = Math.min(31 - Math.clz32(v) - SUB_BITS, MAX_SHIFT);
  const sub = Math.min(v / 2 ** shift, 2 * SUB - 1) | 0; // 64..127
  return 2 * SUB + (shift - 1) * SUB + (sub - SUB);
}

/** The largest value that falls in bucket `i`. */
function upperEdge(i) {
  if (i < 2 * SUB) return i;
  const shift = Math.floor((i - 2 * SUB) / SUB) + 1;
  const sub = ((i - 2 * SUB) % SUB) + SUB;
  return (sub + 1) * 2 ** shift - 1;
}
