/**
 * The slow-consumer policy set in a node config: a subscriber that stops reading is cut off
 * once the node holds `outbound_limit` bytes for it, and everyone else keeps working.
 */

import type { Socket } from 'node:net';
import { validateConfig } from '@interchange/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, routerConfig, startConfigNode } from './support/config-node.js';
import { RawPeer } from './support/raw-peer.js';

const OUTBOUND_LIMIT = 64 * 1024;

describe('slow_consumer: disconnect, from the config', () => {
  let node: ConfigNode | undefined;
  let url: string;

  beforeAll(async () => {
    node = await startConfigNode(
      routerConfig(
        [{ name: 'realm1' }],
        [
          {
            type: 'websocket',
            endpoint: LOCAL_ENDPOINT,
            options: { outbound_limit: OUTBOUND_LIMIT, slow_consumer: 'disconnect' },
          },
        ],
      ),
      { prefix: 'slow-consumer' },
    );
    url = `ws://127.0.0.1:${node.node.addresses[0]?.port}/`;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('disconnects a subscriber that stops reading, and the publisher keeps being served', async () => {
    const slow = await RawPeer.join(url);
    slow.send([32, 1, {}, 'com.test.flood']);
    expect((await slow.next())[0]).toBe(33);
    // Stop reading: the kernel buffers fill, then the node starts holding frames for this peer.
    (slow.socket as unknown as { _socket: Socket })._socket.pause();

    const publisher = await RawPeer.join(url);
    const chunk = 'x'.repeat(16 * 1024);
    let sent = 0;
    // Enough to overflow the kernel's buffers many times over; stops as soon as the node acts.
    while (!slow.closed && sent < 4000) {
      publisher.send([16, sent + 1, {}, 'com.test.flood', [chunk]]);
      sent += 1;
      if (sent % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    (slow.socket as unknown as { _socket: Socket })._socket.resume();
    await slow.closedByRouter(10_000);

    publisher.send([16, 99_999, { acknowledge: true }, 'com.test.after']);
    let reply = await publisher.next();
    while (reply[0] !== 17) reply = await publisher.next();
    expect(reply).toEqual([17, 99_999, expect.any(Number)]);
    publisher.close();
  });

  it('rejects an unknown policy in the config, naming the key', async () => {
    const result = await validateConfig({
      version: 2,
      workers: [
        {
          type: 'router',
          transports: [{ type: 'websocket', endpoint: { type: 'tcp', port: 0 }, options: { slow_consumer: 'ignore' } }],
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toContain('slow_consumer');
  });
});
