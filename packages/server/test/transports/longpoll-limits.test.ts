/**
 * The long-poll `send` body follows the path's `max_message_size` (default 1 MiB, as WebSocket):
 * a larger body aborts the session with `wamp.error.protocol_violation`. Violations are logged
 * once, by the router.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { DEFAULT_LONGPOLL_MAX_MESSAGE_SIZE } from '../../src/transports/longpoll-service.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

describe('long-poll message size', () => {
  let node: InterchangeNode;
  let small: string;
  let standard: string;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig([
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          small: { type: 'longpoll', options: { max_message_size: 2000 } },
          standard: { type: 'longpoll' },
        },
      },
    ]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    [small, standard] = node.addresses[0]!.longpollUrls as [string, string];
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 300 });
  });

  /** Opens a transport on `base` and joins realm1; returns its URL. */
  async function joined(base: string): Promise<string> {
    const opened = await fetch(`${base}/open`, {
      method: 'POST',
      body: JSON.stringify({ protocols: ['wamp.2.json'] }),
    });
    const { transport } = (await opened.json()) as { transport: string };
    const url = `${base}/${transport}`;
    await send(url, JSON.stringify([1, 'realm1', { roles: { publisher: {} } }]));
    expect((await receive(url))[0]).toBe(2);
    return url;
  }

  /** POSTs a body to `send`; the status, or 0 when the server cut the request off. */
  const send = (url: string, body: string) =>
    fetch(`${url}/send`, { method: 'POST', body }).then(
      (response) => response.status,
      () => 0,
    );

  async function receive(url: string): Promise<unknown[]> {
    const response = await fetch(`${url}/receive`, { method: 'POST' });
    expect(response.status).toBe(200);
    return (await response.json()) as unknown[];
  }

  const publish = (request: number, bytes: number) =>
    JSON.stringify([16, request, { acknowledge: true }, 'com.example.topic', ['x'.repeat(bytes)]]);

  it('accepts a body up to the configured max_message_size', async () => {
    const url = await joined(small);
    expect(await send(url, publish(1, 1500))).toBe(204);
    expect((await receive(url))[0]).toBe(17);
  });

  it('aborts the session for a body over the configured max_message_size', async () => {
    const url = await joined(small);
    const before = log.entries.length;
    expect([0, 413]).toContain(await send(url, publish(1, 3000)));
    const abort = await receive(url);
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect((abort[1] as { message: string }).message).toMatch(/the limit is 2000 bytes/);
    const violations = log.entries.slice(before).filter((e) => e.msg === 'protocol violation');
    expect(violations.filter((e) => e.level !== 'debug').map((e) => e.level)).toEqual(['warn']);
  });

  it('takes 1 MiB without a configured limit', async () => {
    expect(DEFAULT_LONGPOLL_MAX_MESSAGE_SIZE).toBe(1024 * 1024);
    const url = await joined(standard);
    expect(await send(url, publish(1, 1024 * 1024 - 100))).toBe(204);
    expect((await receive(url))[0]).toBe(17);
    expect([0, 413]).toContain(await send(url, publish(2, 1024 * 1024)));
    expect((await receive(url))[2]).toBe('wamp.error.protocol_violation');
  });

  it('logs an undecodable body once: at warn by the router, at debug only by the transport', async () => {
    const url = await joined(standard);
    const before = log.entries.length;
    expect(await send(url, '[9999')).toBe(400);
    expect((await receive(url))[2]).toBe('wamp.error.protocol_violation');
    const violations = log.entries.slice(before).filter((e) => e.msg === 'protocol violation');
    expect(violations.filter((e) => e.level !== 'debug').map((e) => e.level)).toEqual(['warn']);
  });
});
