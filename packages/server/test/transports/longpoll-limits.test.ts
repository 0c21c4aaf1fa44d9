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

  /** POSTs a body to `send`; the status. */
  const send = async (url: string, body: string) => (await fetch(`${url}/send`, { method: 'POST', body })).status;

  /** POSTs an oversize body to `send`: expects 413 with a JSON reason naming the limit. */
  async function sendTooLarge(url: string, body: string, limit: number): Promise<void> {
    const response = await fetch(`${url}/send`, { method: 'POST', body });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await response.json()) as { error: string }).error).toContain(`the limit is ${limit} bytes`);
  }

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
    await sendTooLarge(url, publish(1, 3000), 2000);
    const abort = await receive(url);
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    expect((abort[1] as { message: string }).message).toMatch(/the limit is 2000 bytes/);
    const violations = log.entries.slice(before).filter((e) => e.msg === 'protocol violation');
    expect(violations.filter((e) => e.level !== 'debug').map((e) => e.level)).toEqual(['warn']);
  });

  it('answers an oversize open request with 413 and a JSON reason', async () => {
    const response = await fetch(`${small}/open`, {
      method: 'POST',
      body: JSON.stringify({ protocols: ['wamp.2.json'], padding: 'x'.repeat(100 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('open request body too large');
  });

  it('takes 1 MiB without a configured limit', async () => {
    expect(DEFAULT_LONGPOLL_MAX_MESSAGE_SIZE).toBe(1024 * 1024);
    const url = await joined(standard);
    expect(await send(url, publish(1, 1024 * 1024 - 100))).toBe(204);
    expect((await receive(url))[0]).toBe(17);
    await sendTooLarge(url, publish(2, 1024 * 1024), 1024 * 1024);
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
