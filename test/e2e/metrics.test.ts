/**
 * The `metrics` web path as an operator uses it: traffic through the node (our client, a wrong
 * ticket, a subscriber that stops reading), then a Prometheus scrape whose figures match it.
 */
import type { Socket } from 'node:net';
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from './support/config-node.js';
import { parseScrape, type Scrape } from './support/metrics-scrape.js';
import { RawPeer } from './support/raw-peer.js';

describe('metrics path', () => {
  let node: ConfigNode;
  let base: string;
  let ws: string;

  async function scrape(): Promise<{ text: string; samples: Scrape; contentType: string | null }> {
    const response = await fetch(`${base}metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, samples: parseScrape(text), contentType: response.headers.get('content-type') };
  }

  beforeAll(async () => {
    const config = routerConfig(
      [openRealm()],
      [
        {
          type: 'web',
          id: 'public',
          endpoint: LOCAL_ENDPOINT,
          paths: {
            ws: { type: 'websocket', options: { outbound_limit: 64 * 1024, slow_consumer: 'disconnect' } },
            auth: {
              type: 'websocket',
              auth: { ticket: { type: 'static', principals: { joe: { ticket: 'right', role: 'anonymous' } } } },
            },
            metrics: { type: 'metrics' },
          },
        },
      ],
    );
    node = await startConfigNode(config, { prefix: 'metrics' });
    const address = node.node.addresses[0];
    base = address?.url as string;
    ws = `${base.replace('http', 'ws')}ws`;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('serves Prometheus text with node and Interchange metrics before any traffic', async () => {
    const { text, samples, contentType } = await scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toContain('# TYPE interchange_sessions gauge');
    expect(text).toContain('# TYPE interchange_call_duration_seconds histogram');
    expect(samples.get('interchange_sessions{realm="realm1"}')).toBe(0);
    // Node's own: event loop lag, heap, GC.
    expect(samples.get('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(samples.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
  });

  it('counts sessions, messages by type, calls, fan-out, subscriptions and registrations', async () => {
    const sessions: Session[] = [];
    const callee = await connect({ url: ws, realm: 'realm1' });
    const subscriberA = await connect({ url: ws, realm: 'realm1' });
    const subscriberB = await connect({ url: ws, realm: 'realm1' });
    sessions.push(callee, subscriberA, subscriberB);
    try {
      await callee.register('com.example.add', ({ args }) => (args[0] as number) + (args[1] as number));
      const received: unknown[] = [];
      await subscriberA.subscribe('com.example.tick', (event) => void received.push(event.args));
      await subscriberB.subscribe('com.example.tick', (event) => void received.push(event.args));
      const before = (await scrape()).samples;

      for (let i = 0; i < 3; i++) expect((await subscriberA.call('com.example.add', [i, 1])).args).toEqual([i + 1]);
      await callee.publish('com.example.tick', [1], { acknowledge: true });
      await callee.publish('com.example.tick', [2], { acknowledge: true });
      await callee.publish('com.example.nobody', [3], { acknowledge: true });
      while (received.length < 4) await new Promise((resolve) => setImmediate(resolve));

      const { samples } = await scrape();
      const delta = (name: string) => (samples.get(name) ?? 0) - (before.get(name) ?? 0);
      expect(samples.get('interchange_sessions{realm="realm1"}')).toBe(3);
      expect(samples.get('interchange_subscriptions{realm="realm1"}')).toBe(1);
      expect(samples.get('interchange_registrations{realm="realm1"}')).toBe(1);
      expect(delta('interchange_messages_received_total{type="CALL"}')).toBe(3);
      expect(delta('interchange_messages_sent_total{type="INVOCATION"}')).toBe(3);
      expect(delta('interchange_messages_received_total{type="YIELD"}')).toBe(3);
      expect(delta('interchange_messages_sent_total{type="RESULT"}')).toBe(3);
      expect(delta('interchange_messages_received_total{type="PUBLISH"}')).toBe(3);
      expect(delta('interchange_messages_sent_total{type="EVENT"}')).toBe(4);
      expect(delta('interchange_call_duration_seconds_count')).toBe(3);
      expect(delta('interchange_call_duration_seconds_bucket{le="+Inf"}')).toBe(3);
      expect(delta('interchange_call_duration_seconds_sum')).toBeGreaterThan(0);
      // Fan-out: two publications reached 2 receivers, one reached nobody.
      expect(delta('interchange_publication_fanout_count')).toBe(3);
      expect(delta('interchange_publication_fanout_bucket{le="0"}')).toBe(1);
      expect(delta('interchange_publication_fanout_bucket{le="1"}')).toBe(1);
      expect(delta('interchange_publication_fanout_bucket{le="2"}')).toBe(3);
      expect(delta('interchange_publication_fanout_sum')).toBe(4);
      expect(delta('interchange_sessions_joined_total')).toBe(0);
      expect(delta('interchange_transport_received_bytes_total{transport="public",type="web"}')).toBeGreaterThan(0);
      expect(delta('interchange_transport_sent_bytes_total{transport="public",type="web"}')).toBeGreaterThan(0);
      // Three sessions, and the scrape's own connection.
      expect(samples.get('interchange_transport_connections{transport="public",type="web"}')).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all(sessions.map((session) => session.leave()));
    }
    const after = (await scrape()).samples;
    expect(after.get('interchange_sessions{realm="realm1"}')).toBe(0);
    expect(after.get('interchange_subscriptions{realm="realm1"}')).toBe(0);
    expect(after.get('interchange_sessions_left_total')).toBeGreaterThanOrEqual(3);
  });

  it('counts authentication failures by method', async () => {
    const before = (await scrape()).samples.get('interchange_authentication_failures_total{authmethod="ticket"}') ?? 0;
    await expect(
      connect({
        url: `${base.replace('http', 'ws')}auth`,
        realm: 'realm1',
        auth: { ticket: { authid: 'joe', ticket: 'wrong' } },
      }),
    ).rejects.toThrow();
    const { samples } = await scrape();
    expect(samples.get('interchange_authentication_failures_total{authmethod="ticket"}')).toBe(before + 1);
    expect(
      samples.get('interchange_sessions_refused_total{reason="wamp.error.authentication_failed"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts a slow consumer that was disconnected', async () => {
    const slow = await RawPeer.join(ws);
    slow.send([32, 1, {}, 'com.test.flood']);
    expect((await slow.next())[0]).toBe(33);
    (slow.socket as unknown as { _socket: Socket })._socket.pause();
    const publisher = await RawPeer.join(ws);
    const chunk = 'x'.repeat(16 * 1024);
    for (let sent = 0; !slow.closed && sent < 4000; sent++) {
      publisher.send([16, sent + 1, {}, 'com.test.flood', [chunk]]);
      if (sent % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    (slow.socket as unknown as { _socket: Socket })._socket.resume();
    await slow.closedByRouter(10_000);
    publisher.close();
    const { samples } = await scrape();
    expect(samples.get('interchange_slow_consumer_disconnects_total{transport="public",type="web"}')).toBe(1);
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    const response = await fetch(`${base}metrics`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ error: 'method POST not allowed' });
  });
});
