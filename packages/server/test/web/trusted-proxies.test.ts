/**
 * `trusted_proxies` of a web transport: a request whose direct peer is a trusted proxy takes its
 * client address from `X-Forwarded-For` or `Forwarded`, which the meta API's `transport.peer`
 * (and so the logs and the login throttle) then shows; from anyone else the headers are ignored.
 * The untrusted peer is the same machine on another loopback address (127.0.0.2).
 */
import { connect, type Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

const ALL = { call: true, register: true, publish: true, subscribe: true };

describe('trusted_proxies', () => {
  let node: InterchangeNode;
  let port: number;
  let observer: Session;

  beforeAll(async () => {
    node = await InterchangeNode.start({
      cbdir: await tempDir(),
      config: workerConfig(
        [
          {
            type: 'web',
            endpoint: { ...LOCAL_ENDPOINT, interface: '0.0.0.0' },
            paths: {
              ws: { type: 'websocket' },
              lp: { type: 'longpoll' },
              publish: { type: 'publisher', realm: 'realm1', options: { require_ip: ['203.0.113.0/24'] } },
            },
            options: { trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] },
          },
          {
            type: 'universal',
            endpoint: LOCAL_ENDPOINT,
            websocket: { ws: { type: 'websocket' } },
            web: { paths: { '/': { type: 'nodeinfo' } }, options: { trusted_proxies: ['127.0.0.1'] } },
          },
        ],
        {
          realms: [
            {
              name: 'realm1',
              roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: ALL }] }],
            },
          ],
        },
      ),
    });
    port = node.addresses[0]!.port;
    observer = await connect({ url: `ws://127.0.0.1:${port}/ws`, realm: 'realm1' });
  });

  afterAll(async () => {
    await observer?.leave().catch(() => undefined);
    await node?.stop({ timeoutMs: 500 });
  });

  /** Joins over a raw WebSocket from `localAddress` with `headers`; the peer the meta API reports. */
  async function peerOf(headers: Record<string, string>, localAddress = '127.0.0.1', at = port): Promise<string> {
    const ws = new WebSocket(`ws://127.0.0.1:${at}/ws`, ['wamp.2.json'], { headers, localAddress });
    const session = await new Promise<number>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }])));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as unknown[];
        if (message[0] === 2) resolve(message[1] as number);
        else reject(new Error(String(data)));
      });
      ws.on('error', reject);
    });
    try {
      const result = await observer.call('wamp.session.get', [session]);
      return (result.args[0] as { transport: { peer: string } }).transport.peer;
    } finally {
      ws.close();
    }
  }

  it('takes the client from X-Forwarded-For when the direct peer is a trusted proxy', async () => {
    expect(await peerOf({ 'x-forwarded-for': '203.0.113.7' })).toBe('tcp4:203.0.113.7:0');
  });

  it('skips hops that are trusted proxies themselves, and not the ones before an untrusted hop', async () => {
    // The client wrote 198.51.100.1 itself; 203.0.113.7 is the first hop no trusted proxy vouches past.
    expect(await peerOf({ 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.1.2.3' })).toBe('tcp4:203.0.113.7:0');
  });

  it('reads RFC 7239 Forwarded, IPv6 and port included, before X-Forwarded-For', async () => {
    const peer = await peerOf({
      forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https',
      'x-forwarded-for': '192.0.2.9',
    });
    expect(peer).toBe('tcp6:2001:db8:cafe::17:4711');
  });

  it('ignores the headers from a peer that is not a trusted proxy', async () => {
    expect(await peerOf({ 'x-forwarded-for': '203.0.113.7' }, '127.0.0.2')).toMatch(/^tcp4:127\.0\.0\.2:\d+$/);
  });

  it('keeps the socket address when the header names no address', async () => {
    expect(await peerOf({ 'x-forwarded-for': 'unknown' })).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
  });

  it("checks the HTTP bridge's require_ip against the forwarded client", async () => {
    const publish = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${port}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ topic: 'com.example.topic' }),
      });
    expect((await publish({ 'x-forwarded-for': '203.0.113.9' })).status).toBe(200);
    expect((await publish({ 'x-forwarded-for': '198.51.100.9' })).status).toBe(400);
    expect((await publish({})).status).toBe(400);
  });

  it("applies on a universal transport's WebSocket services, from its web options", async () => {
    expect(await peerOf({ 'x-forwarded-for': '203.0.113.5' }, '127.0.0.1', node.addresses[1]!.port)).toBe(
      'tcp4:203.0.113.5:0',
    );
  });

  it('applies to long-poll sessions too', async () => {
    const opened = await fetch(`http://127.0.0.1:${port}/lp/open`, {
      method: 'POST',
      headers: { 'x-forwarded-for': '203.0.113.8' },
      body: JSON.stringify({ protocols: ['wamp.2.json'] }),
    });
    const { transport } = (await opened.json()) as { transport: string };
    await fetch(`http://127.0.0.1:${port}/lp/${transport}/send`, {
      method: 'POST',
      body: JSON.stringify([1, 'realm1', { roles: { subscriber: {} } }]),
    });
    const welcome = JSON.parse(
      await (await fetch(`http://127.0.0.1:${port}/lp/${transport}/receive`, { method: 'POST' })).text(),
    ) as unknown[];
    expect(welcome[0]).toBe(2);
    const result = await observer.call('wamp.session.get', [welcome[1]]);
    expect((result.args[0] as { transport: { peer: string } }).transport.peer).toBe('tcp4:203.0.113.8:0');
    await fetch(`http://127.0.0.1:${port}/lp/${transport}/close`, { method: 'POST' });
  });
});
