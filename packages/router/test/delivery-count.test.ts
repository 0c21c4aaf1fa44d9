/**
 * The broker counts a publication's deliveries once per publication (broker/delivery-count.ts);
 * the counts must be those of counting each EVENT as it is handed to a transport, also when a
 * receiver goes away in the middle of a fan-out and a meta event is delivered inside it.
 */
import type { WampMessage } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { expectCleanTraffic, join, type TestClient } from './harness.js';

afterEach(expectCleanTraffic);

function eventsReceived(clients: TestClient[]): number {
  return clients.reduce((sum, client) => sum + client.peer.sent.filter((m) => m.type === 'EVENT').length, 0);
}

describe('delivery counts', () => {
  it('count every EVENT handed over, once per publication in the fan-out histogram', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const subscribers = [join(router), join(router), join(router)];
    for (const client of subscribers) client.subscribe('com.example.topic');
    const prefix = join(router);
    prefix.subscribe('com.example.', { match: 'prefix' });
    const publisher = join(router);
    const everyone = [...subscribers, prefix, publisher];
    const before = { events: router.stats.sentCounts().EVENT, fanouts: router.stats.fanout.count };

    publisher.publish('com.example.topic', { args: [1] });
    publisher.publish('com.example.topic', { args: [2], options: { exclude: [subscribers[0]?.sessionId] } });
    publisher.publish('org.example.nobody', { args: [3] });

    expect(eventsReceived(everyone)).toBe(4 + 3);
    expect(router.stats.sentCounts().EVENT - before.events).toBe(7);
    expect(router.stats.fanout.count - before.fanouts).toBe(3);
    expect(router.stats.fanout.sum).toBe(7);
  });

  it('do not count a receiver that left during the fan-out, and count a meta event delivered inside it', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const [a, b, c] = [join(router), join(router), join(router)] as [TestClient, TestClient, TestClient];
    for (const client of [a, b, c]) client.subscribe('com.example.topic');
    const watcher = join(router);
    watcher.subscribe('wamp.session.on_leave');
    const publisher = join(router);
    // The first receiver's transport, on its EVENT, loses the second receiver's connection: the
    // second leaves the realm before the fan-out reaches it, and on_leave goes out meanwhile.
    const send = a.peer.send.bind(a.peer);
    let lost = false;
    a.peer.send = (message: WampMessage) => {
      send(message);
      if (message.type === 'EVENT' && !lost) {
        lost = true;
        b.connection.transportClosed();
      }
    };
    const before = router.stats.sentCounts().EVENT;

    publisher.publish('com.example.topic', { args: [1] });

    expect(b.peer.sent.filter((m) => m.type === 'EVENT')).toHaveLength(0);
    expect(watcher.peer.sent.filter((m) => m.type === 'EVENT')).toHaveLength(1);
    expect(eventsReceived([a, b, c, watcher, publisher])).toBe(3);
    expect(router.stats.sentCounts().EVENT - before).toBe(3);
    // The publication's fan-out: what was sent while it was delivered, the nested meta event included.
    expect(router.stats.fanout.count).toBe(1);
    expect(router.stats.fanout.sum).toBe(3);
  });
});
