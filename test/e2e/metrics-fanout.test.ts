/**
 * The broker counts a publication's deliveries once per publication (broker/delivery-count.ts),
 * not once per receiver: the figures a Prometheus scrape shows must be the ones counting each
 * delivery gave. A fan-out to subscribers on every client transport and serializer (WebSocket
 * json, msgpack and cbor, RawSocket json and msgpack, long-poll), with exact and prefix
 * subscriptions, receivers excluded by session ID and the publisher's own event (`exclude_me`),
 * then a scrape.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsNode, startMetricsNode } from './support/metrics-scrape.js';

describe('metrics of a fan-out over every transport and serializer', () => {
  let metrics: MetricsNode;

  beforeAll(async () => {
    metrics = await startMetricsNode('metrics-fanout');
  });
  afterAll(async () => {
    await metrics?.node.stop();
  });

  it('counts every EVENT handed to a transport, and each publication once in the fan-out histogram', async () => {
    const { clients, scrape } = metrics;
    // Two sessions per transport and serializer: 12 subscribers.
    const subscribers: Session[] = await Promise.all(
      [...clients, ...clients].map((options) => connect({ ...options, realm: 'realm1' })),
    );
    // The first client transport is WebSocket json.
    const publisher = await connect({ ...clients[0], realm: 'realm1' });
    const sessions = [...subscribers, publisher];
    try {
      const received = new Map<Session, number>();
      const count = (session: Session) => () => void received.set(session, (received.get(session) ?? 0) + 1);
      for (const session of subscribers) await session.subscribe('com.fanout.topic', count(session));
      // Four subscribers also hold a prefix subscription: a second EVENT of each publication.
      for (const session of subscribers.slice(0, 4))
        await session.subscribe('com.fanout.', count(session), { match: 'prefix' });
      await publisher.subscribe('com.fanout.topic', count(publisher));
      const excluded = subscribers.slice(10).map((session) => session.id as number);
      const before = await scrape();

      // 1: 12 exact + 4 prefix receivers; the publisher excluded by default.
      await publisher.publish('com.fanout.topic', [1], { acknowledge: true });
      // 2: the publisher too (exclude_me false): 17.
      await publisher.publish('com.fanout.topic', [2], { acknowledge: true, exclude_me: false });
      // 3: two subscribers excluded by session ID: 10 exact + 4 prefix = 14.
      await publisher.publish('com.fanout.topic', [3], { acknowledge: true, exclude: excluded });
      // 4: a topic only the prefix subscriptions match: 4.
      await publisher.publish('com.fanout.other', [4], { acknowledge: true });
      // 5: nobody.
      await publisher.publish('com.elsewhere', [5], { acknowledge: true });
      const expected = 16 + 17 + 14 + 4;
      const total = () => [...received.values()].reduce((sum, n) => sum + n, 0);
      while (total() < expected) await new Promise((resolve) => setTimeout(resolve, 5));

      const after = await scrape();
      const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      expect(total()).toBe(expected);
      expect(delta('interchange_messages_received_total{type="PUBLISH"}')).toBe(5);
      expect(delta('interchange_messages_sent_total{type="EVENT"}')).toBe(expected);
      expect(delta('interchange_messages_sent_total{type="PUBLISHED"}')).toBe(5);
      expect(delta('interchange_publication_fanout_count')).toBe(5);
      expect(delta('interchange_publication_fanout_sum')).toBe(expected);
      expect(delta('interchange_publication_fanout_bucket{le="0"}')).toBe(1);
      expect(delta('interchange_publication_fanout_bucket{le="5"}')).toBe(2);
      expect(delta('interchange_publication_fanout_bucket{le="10"}')).toBe(2);
      expect(delta('interchange_publication_fanout_bucket{le="25"}')).toBe(5);
      // Every transport carried its share.
      for (const transport of ['transport="web",type="web"', 'transport="raw",type="rawsocket"'])
        expect(delta(`interchange_transport_sent_bytes_total{${transport}}`)).toBeGreaterThan(0);
    } finally {
      await Promise.all(sessions.map((session) => session.leave()));
    }
  });
});
