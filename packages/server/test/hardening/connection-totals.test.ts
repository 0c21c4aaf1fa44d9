/**
 * Bounds on sessions per transport in all, not only per address (issue 12, "Other bounds"): a
 * listener's open connections (`endpoint.max_connections`), and a long-poll path's open
 * transports (`options.max_transports`), which need no connection and so escape the first.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { post } from '../support/http.js';
import { recordingLogger } from '../support/recording.js';

describe('connections per listener and long-poll transports per path', () => {
  let node: InterchangeNode;
  let rsPort: number;
  let webPort: number;
  const log = recordingLogger();

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: workerConfig([
        { type: 'rawsocket', endpoint: { ...LOCAL_ENDPOINT, max_connections: 3 } },
        {
          type: 'web',
          endpoint: LOCAL_ENDPOINT,
          paths: { lp: { type: 'longpoll', options: { max_transports: 2 } } },
        },
      ]),
      cbdir: await tempDir(),
      logger: log.logger,
    });
    rsPort = node.addresses[0]!.port;
    webPort = node.addresses[1]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  async function open(localAddress: string): Promise<{ socket: Socket; closed: Promise<void> }> {
    const socket = connect({ host: '127.0.0.1', port: rsPort, localAddress });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await once(socket, 'connect');
    return { socket, closed };
  }

  /** Whether the node answers a RawSocket handshake on `socket`. */
  async function served(socket: Socket): Promise<boolean> {
    socket.write(Buffer.from([0x7f, 0xf1, 0, 0]));
    return Promise.race([once(socket, 'data').then(() => true), once(socket, 'close').then(() => false)]);
  }

  it('closes a connection past the listener bound, whatever its address, and admits again once one closes', async () => {
    const held = [await open('127.0.0.1'), await open('127.0.0.2'), await open('127.0.0.3')];
    for (const h of held) expect(await served(h.socket)).toBe(true);
    const refused = await open('127.0.0.4');
    await refused.closed;
    const entry = await log.waitFor((e) => e.obj.limit === 'endpoint.max_connections');
    expect(entry.obj.bound).toBe(3);
    await (await open('127.0.0.5')).closed;
    held[0]!.socket.destroy();
    await held[0]!.closed;
    // The node sees the close a moment later; retry until it admits.
    await expect
      .poll(async () => {
        const again = await open('127.0.0.6');
        const ok = await served(again.socket);
        again.socket.destroy();
        return ok;
      })
      .toBe(true);
    for (const h of held) h.socket.destroy();
    expect(log.entries.filter((e) => e.obj.limit === 'endpoint.max_connections')).toHaveLength(1);
  });

  it('answers 503 with a JSON error to a long-poll open past the path bound', async () => {
    const url = `http://127.0.0.1:${webPort}/lp/open`;
    const offer = JSON.stringify({ protocols: ['wamp.2.json'] });
    expect((await post(url, offer)).status).toBe(200);
    expect((await post(url, offer)).status).toBe(200);
    const refused = await post(url, offer);
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ error: expect.stringMatching(/too many long-poll transports open/) });
    expect((await post(url, offer)).status).toBe(503);
    const entries = log.entries.filter((e) => e.obj.limit === 'options.max_transports');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.obj.peer).toMatch(/127\.0\.0\.1/);
  });
});
