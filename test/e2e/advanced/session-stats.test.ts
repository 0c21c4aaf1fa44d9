/**
 * Crossbar's realm `stats` (session statistics) end to end: a monitor subscribed to
 * `wamp.session.on_stats` reads the events a JSON client's traffic sets off, on join, after a
 * number of rated messages and on leave, with the fields of Autobahn|Python's serializer stats;
 * the bytes they report add up to what the client sent and received.
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from '../support/config-node.js';

interface StatsEvent {
  info: { realm: string; session: number; authid: string; authrole: string };
  stats: {
    cycle: number;
    serializer: string;
    timestamp: number;
    duration: number;
    bytes: number;
    messages: number;
    rated_messages: number;
    first: boolean;
    last: boolean;
  };
}

/** A JSON client over `ws` that records the size of every frame either way. */
class CountingClient {
  sentBytes = 0;
  receivedBytes = 0;
  sentMessages = 0;
  receivedMessages = 0;
  readonly #inbox: unknown[][] = [];
  #wake: (() => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.receivedBytes += data.length;
      this.receivedMessages += 1;
      this.#inbox.push(JSON.parse(data.toString('utf8')) as unknown[]);
      this.#wake?.();
    });
  }

  static open(url: string): Promise<CountingClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, ['wamp.2.json']);
      socket.once('open', () => resolve(new CountingClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown[]): void {
    const text = JSON.stringify(message);
    this.sentBytes += Buffer.byteLength(text);
    this.sentMessages += 1;
    this.socket.send(text);
  }

  async next(): Promise<unknown[]> {
    while (this.#inbox.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    return this.#inbox.shift() as unknown[];
  }
}

describe('session statistics (realm "stats")', () => {
  let node: ConfigNode;
  let url: string;
  let monitor: Session;
  const events: StatsEvent[] = [];
  let onEvent: () => void = () => {};

  beforeAll(async () => {
    const realm = {
      ...openRealm(),
      stats: {
        rated_message_size: 64,
        trigger_after_rated_messages: 10,
        trigger_after_duration: 0,
        trigger_on_join: true,
        trigger_on_leave: true,
      },
    };
    node = await startConfigNode(
      routerConfig([realm], [{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket' } } }]),
      { prefix: 'session-stats' },
    );
    url = `ws://127.0.0.1:${node.port}/ws`;
    monitor = await connect({ url, realm: 'realm1' });
    await monitor.subscribe('wamp.session.on_stats', (event) => {
      events.push({ info: event.args[0] as StatsEvent['info'], stats: event.args[1] as StatsEvent['stats'] });
      onEvent();
    });
  });

  afterAll(async () => {
    await monitor?.leave();
    await node?.stop();
  });

  function lastEventOf(session: number): Promise<void> {
    const done = () => events.some((e) => e.info.session === session && e.stats.last);
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      onEvent = () => {
        if (done()) resolve();
      };
    });
  }

  it('publishes on join, every 10 rated messages and on leave, adding up to the traffic', async () => {
    const client = await CountingClient.open(url);
    client.send([1, 'realm1', { roles: { publisher: {}, subscriber: {} } }]);
    const welcome = await client.next();
    expect(welcome[0]).toBe(2);
    const session = welcome[1] as number;
    for (let n = 0; n < 12; n++) {
      client.send([16, n + 1, { acknowledge: true }, 'com.example.topic', [n, 'x'.repeat(40)]]);
      expect((await client.next())[0]).toBe(17);
    }
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    client.send([6, {}, 'wamp.close.close_realm']);
    expect((await client.next())[0]).toBe(6);
    client.socket.close();
    await closed;
    await lastEventOf(session);

    const mine = events.filter((e) => e.info.session === session);
    expect(mine[0]?.info).toEqual({ realm: 'realm1', session, authid: expect.any(String), authrole: 'anonymous' });
    // On join: HELLO and WELCOME, as in Crossbar's example output.
    expect(mine[0]?.stats).toMatchObject({ cycle: 1, serializer: 'json', messages: 2, first: true, last: false });
    expect(mine.map((e) => e.stats.cycle)).toEqual(mine.map((_, i) => i + 1));
    expect(mine.filter((e) => e.stats.first)).toHaveLength(1);
    expect(mine.at(-1)?.stats.last).toBe(true);
    // Between join and leave, each period ends at its 10th rated message or just past it.
    const middle = mine.slice(1, -1);
    expect(middle.length).toBeGreaterThanOrEqual(2);
    for (const e of middle) {
      expect(e.stats.rated_messages).toBeGreaterThanOrEqual(10);
      expect(e.stats.rated_messages).toBeLessThan(13);
      expect(e.stats.first || e.stats.last).toBe(false);
    }
    for (const e of mine) {
      expect(Number.isInteger(e.stats.timestamp)).toBe(true);
      expect(e.stats.duration).toBeGreaterThanOrEqual(0);
      expect(e.stats.rated_messages).toBeGreaterThanOrEqual(Math.ceil(e.stats.bytes / 64));
    }
    // Everything but the client's GOODBYE, which ends the session before it is counted.
    const goodbye = Buffer.byteLength(JSON.stringify([6, {}, 'wamp.close.close_realm']));
    const sum = (key: 'bytes' | 'messages') => mine.reduce((total, e) => total + e.stats[key], 0);
    expect(sum('bytes')).toBe(client.sentBytes - goodbye + client.receivedBytes);
    expect(sum('messages')).toBe(client.sentMessages - 1 + client.receivedMessages);
  });

  it('meters nothing in a realm without "stats"', async () => {
    // Another node whose realm has no stats block: its sessions set off no events.
    const before = events.length;
    const other = await startConfigNode(
      routerConfig([openRealm()], [{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket' } } }]),
      { prefix: 'session-stats-none' },
    );
    try {
      const plain = await connect({ url: `ws://127.0.0.1:${other.port}/ws`, realm: 'realm1' });
      const seen: unknown[] = [];
      await plain.subscribe('wamp.session.on_stats', (event) => {
        seen.push(event.args);
      });
      const peer = await connect({ url: `ws://127.0.0.1:${other.port}/ws`, realm: 'realm1' });
      for (let n = 0; n < 20; n++) await peer.publish('com.example.topic', [n], { acknowledge: true });
      await peer.leave();
      // A round trip after the leave: anything published by then would have arrived.
      await plain.call('wamp.session.count');
      expect(seen).toEqual([]);
      await plain.leave();
    } finally {
      await other.stop();
    }
    expect(events.length).toBe(before);
  });
});

describe('session statistics triggered by every message', () => {
  it('does not set off a chain of publications with a monitor in the realm', async () => {
    const realm = { ...openRealm(), stats: { trigger_after_rated_messages: 1, trigger_on_leave: true } };
    const node = await startConfigNode(
      routerConfig([realm], [{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket' } } }]),
      { prefix: 'session-stats-every' },
    );
    try {
      const url = `ws://127.0.0.1:${node.port}/ws`;
      const monitor = await connect({ url, realm: 'realm1' });
      const seen: { session: number; last: boolean }[] = [];
      let wake: () => void = () => {};
      await monitor.subscribe('wamp.session.on_stats', (event) => {
        const info = event.args[0] as { session: number };
        seen.push({ session: info.session, last: (event.args[1] as { last: boolean }).last });
        wake();
      });
      const peer = await connect({ url, realm: 'realm1' });
      const id = peer.id as number;
      for (let n = 0; n < 5; n++) await peer.publish('com.example.topic', [n], { acknowledge: true });
      await peer.leave();
      while (!seen.some((e) => e.session === id && e.last)) await new Promise<void>((resolve) => (wake = resolve));
      // The node still answers, and the events stopped: each came from a message of the peer
      // (or the monitor's own subscribing), never from another statistics event.
      expect(await monitor.call('wamp.session.count')).toBeDefined();
      const total = seen.length;
      await monitor.call('wamp.session.count');
      expect(seen.length).toBeLessThanOrEqual(total + 2);
      expect(seen.filter((e) => e.session === id).length).toBeLessThanOrEqual(12);
      await monitor.leave();
    } finally {
      await node.stop();
    }
  });
});
