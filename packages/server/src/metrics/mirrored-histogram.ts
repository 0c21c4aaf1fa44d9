/**
 * A prom-client histogram whose buckets are counted elsewhere: the router keeps plain per-bucket
 * counts on its hot path (`BucketCounts` in packages/router/src/router-stats.ts), and this
 * metric turns them into Prometheus' cumulative `_bucket`, `_sum` and `_count` series when it is
 * scraped. prom-client's own `observe` hashes labels and validates on every call, which a
 * per-call or per-publication path should not pay for.
 */
import { Histogram } from 'prom-client';

/** Bucket counts as the router keeps them: per bucket (not cumulative), the last one above every bound. */
export interface BucketSnapshot {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Adds up snapshots with the same bounds (one per router worker). */
export function sumBuckets(bounds: readonly number[], snapshots: Iterable<BucketSnapshot>): BucketSnapshot {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  for (const snapshot of snapshots) {
    snapshot.counts.forEach((value, i) => {
      counts[i] = (counts[i] as number) + value;
    });
    sum += snapshot.sum;
    count += snapshot.count;
  }
  return { bounds, counts, sum, count };
}

type Values = Awaited<ReturnType<Histogram['get']>>;

/**
 * A histogram metric that reads its buckets from `read` at each scrape. It overrides `get`
 * (prom-client's public read of a metric) and `getForPromString` (what prom-client's registry
 * calls instead when a metric has it), so both the text and the JSON output see the counts.
 */
export class MirroredHistogram extends Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #read: () => BucketSnapshot;

  constructor(options: { name: string; help: string; buckets: readonly number[]; read: () => BucketSnapshot }) {
    super({ name: options.name, help: options.help, buckets: [...options.buckets], registers: [] });
    this.#name = options.name;
    this.#help = options.help;
    this.#read = options.read;
  }

  override async get(): Promise<Values> {
    return this.#values();
  }

  /** What the registry calls to render the text format. */
  async getForPromString(): Promise<Values> {
    return this.#values();
  }

  #values(): Values {
    const { bounds, counts, sum, count } = this.#read();
    const values: Values['values'] = [];
    let cumulative = 0;
    bounds.forEach((le, i) => {
      cumulative += counts[i] ?? 0;
      values.push({ labels: { le }, value: cumulative, metricName: `${this.#name}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, value: count, metricName: `${this.#name}_bucket` });
    values.push({ labels: {}, value: sum, metricName: `${this.#name}_sum` });
    values.push({ labels: {}, value: count, metricName: `${this.#name}_count` });
    // prom-client's typings name `type` a MetricType enum; at run time, and in the registry's
    // output, it is the string of the text format.
    const metric = { name: this.#name, help: this.#help, type: 'histogram', values, aggregator: 'sum' };
    return metric as unknown as Values;
  }
}
