/**
 * The node's Prometheus metrics (npm `prom-client`), served by a web path of type `metrics`.
 *
 * Every Interchange figure is read at scrape time, in the metrics' `collect` callbacks, from the
 * counters the router and the transports keep anyway ({@link NodeActivity}): routing a message
 * never touches prom-client. Node's own metrics (event loop lag, GC, heap, CPU, handles) are
 * prom-client's default metrics, which start measuring when the registry is made: only nodes
 * that serve a metrics path have one.
 */
import {
  CALL_DURATION_BUCKETS,
  FANOUT_BUCKETS,
  MESSAGE_NAMES,
  type MessageCounts,
  type RouterStats,
} from '@interchange/router';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { MirroredHistogram, sumBuckets } from './mirrored-histogram.js';
import type { NodeActivity, TransportActivity } from './node-activity.js';

/** Adds up a per-key map over router workers. */
function sumMaps(maps: Iterable<ReadonlyMap<string, number>>): Map<string, number> {
  const sum = new Map<string, number>();
  for (const map of maps) for (const [key, value] of map) sum.set(key, (sum.get(key) ?? 0) + value);
  return sum;
}

/** Adds up one number field over router workers. */
function sumField(stats: readonly RouterStats[], field: 'throttled' | 'joined' | 'left' | 'violations'): number {
  return stats.reduce((sum, s) => sum + s[field], 0);
}

/**
 * The metrics of one node, in a registry of its own (so two nodes in one process never mix).
 *
 * @example
 * const metrics = new NodeMetrics(activity);
 * res.setHeader('content-type', metrics.contentType);
 * res.end(await metrics.render());
 */
export class NodeMetrics {
  readonly registry = new Registry();

  constructor(activity: NodeActivity) {
    const registers = [this.registry];
    const stats = () => activity.stats();

    const byRealm = (name: string, help: string, field: 'sessions' | 'subscriptions' | 'registrations') =>
      new Gauge({
        name,
        help,
        labelNames: ['realm'],
        registers,
        collect() {
          this.reset();
          for (const realm of activity.realms()) this.set({ realm: realm.realm }, realm[field]);
        },
      });
    byRealm('interchange_sessions', 'Established sessions, by realm.', 'sessions');
    byRealm(
      'interchange_subscriptions',
      'Subscriptions (topics or patterns with subscribers), by realm.',
      'subscriptions',
    );
    byRealm(
      'interchange_registrations',
      'Registrations (procedures or patterns with callees), by realm.',
      'registrations',
    );

    const byType = (name: string, help: string, counts: (s: RouterStats) => MessageCounts) =>
      new Counter({
        name,
        help,
        labelNames: ['type'],
        registers,
        collect() {
          this.reset();
          const all = stats().map(counts);
          for (const type of MESSAGE_NAMES) {
            this.inc(
              { type },
              all.reduce((sum, c) => sum + c[type], 0),
            );
          }
        },
      });
    byType('interchange_messages_received_total', 'WAMP messages received from sessions, by message type.', (s) =>
      s.receivedCounts(),
    );
    byType(
      'interchange_messages_sent_total',
      'WAMP messages sent to sessions, by message type (one per receiver).',
      (s) => s.sentCounts(),
    );

    const perTransport = (
      name: string,
      help: string,
      field: keyof Omit<TransportActivity, 'transport' | 'type'>,
      kind: 'counter' | 'gauge',
    ) => {
      const collect = function (this: Counter<'transport' | 'type'> | Gauge<'transport' | 'type'>) {
        this.reset();
        for (const t of activity.transports()) {
          const labels = { transport: t.transport, type: t.type };
          if (this instanceof Gauge) this.set(labels, t[field]);
          else this.inc(labels, t[field]);
        }
      };
      const config = { name, help, labelNames: ['transport', 'type'] as const, registers, collect };
      return kind === 'counter' ? new Counter(config) : new Gauge(config);
    };
    perTransport(
      'interchange_transport_received_bytes_total',
      'Bytes received on the transport (TLS, HTTP and WebSocket framing included).',
      'bytesIn',
      'counter',
    );
    perTransport('interchange_transport_sent_bytes_total', 'Bytes sent on the transport.', 'bytesOut', 'counter');
    perTransport('interchange_transport_connections', 'Open connections of the transport.', 'connections', 'gauge');
    perTransport(
      'interchange_slow_consumer_dropped_events_total',
      'EVENTs dropped for slow receivers (slow_consumer: drop).',
      'slowConsumerDroppedEvents',
      'counter',
    );
    perTransport(
      'interchange_slow_consumer_dropped_bytes_total',
      'Bytes of the EVENTs dropped for slow receivers.',
      'slowConsumerDroppedBytes',
      'counter',
    );
    perTransport(
      'interchange_slow_consumer_disconnects_total',
      'Connections dropped for falling behind their outbound_limit.',
      'slowConsumerDisconnects',
      'counter',
    );

    this.registry.registerMetric(
      new MirroredHistogram({
        name: 'interchange_call_duration_seconds',
        help: "Seconds from a CALL to the end of the caller's side (result, error, timeout, cancel, or the caller leaving).",
        buckets: CALL_DURATION_BUCKETS,
        read: () =>
          sumBuckets(
            CALL_DURATION_BUCKETS,
            stats().map((s) => s.callDurations),
          ),
      }),
    );
    this.registry.registerMetric(
      new MirroredHistogram({
        name: 'interchange_publication_fanout',
        help: 'Receivers of each PUBLISH (EVENTs sent for it; 0 when nobody received it).',
        buckets: FANOUT_BUCKETS,
        read: () =>
          sumBuckets(
            FANOUT_BUCKETS,
            stats().map((s) => s.fanout),
          ),
      }),
    );

    const byKey = (name: string, help: string, label: string, read: (s: RouterStats) => ReadonlyMap<string, number>) =>
      new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [key, value] of sumMaps(stats().map(read))) this.inc({ [label]: key }, value);
        },
      });
    byKey(
      'interchange_authentication_failures_total',
      'Failed authentications, by authmethod.',
      'authmethod',
      (s) => s.authFailures,
    );
    byKey('interchange_sessions_refused_total', 'HELLOs answered with ABORT, by reason.', 'reason', (s) => s.refused);

    const total = (name: string, help: string, field: 'throttled' | 'joined' | 'left' | 'violations') =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(sumField(stats(), field));
        },
      });
    total(
      'interchange_authentication_throttled_total',
      'HELLOs refused because their authid or address is locked out after failed attempts.',
      'throttled',
    );
    total('interchange_sessions_joined_total', 'Sessions welcomed.', 'joined');
    total('interchange_sessions_left_total', 'Established sessions that ended.', 'left');
    total(
      'interchange_protocol_violations_total',
      'Sessions aborted for a protocol violation (invalid or oversize messages included).',
      'violations',
    );

    collectDefaultMetrics({ register: this.registry });
  }

  /** The content type of {@link render}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric, in Prometheus' text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
