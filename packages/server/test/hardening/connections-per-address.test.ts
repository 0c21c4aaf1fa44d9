/**
 * Open connections per remote address are bounded per listener (issue 12: 20,000 idle
 * connections from one client exhausted the file descriptors). Past the bound a connection is
 * closed at once and the address logged once; another address is served meanwhile.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { tempDir, workerConfig } from '../helpers.js';
import { recordingLogger } from '../support/recording.js';

describe('connections per address', () => {
  let node: InterchangeNode;
  let port: number;
  const log = recordingLogger();

  beforeAll(async () => {
    const endpoint = { type: 'tcp', port: 0, interface: '127.0.0.1', max_connections_per_address: 3 };
    node = await InterchangeNode.start({
      config: workerConfig([{ type: 'rawsocket', endpoint }]),
      cbdir: await tempDir(),
      logger: log.logger,
    });
    port = node.addresses[0]!.port;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  async function open(localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: Promise<void> }> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await once(socket, 'connect');
    return { socket, closed };
  }

  /** Whether the node answers a RawSocket handshake on `socket`. */
  async function served(socket: Socket): Promise<boolean> {
    socket.write(Buffer.from([0x7f, 0xf1, 0, 0]));
    const reply = await Promise.race([once(socket, 'data').then(() => true), once(socket, 'close').then(() => false)]);
    return reply;
  }

  it('closes the connection past the bound, serves another address, and admits again once one closes', async () => {
    const held = [await open(), await open(), await open()];
    const refused = await open();
    await refused.closed;
    const entry = await log.waitFor((e) => e.obj.limit === 'endpoint.max_connections_per_address');
    expect(entry.obj.peer).toBe('127.0.0.1');
    const other = await open('127.0.0.2');
    expect(await served(other.socket)).toBe(true);
    held[0]!.socket.destroy();
    await held[0]!.closed;
    // The node sees the close a moment later; retry until it admits.
    await expect
      .poll(async () => {
        const again = await open();
        const ok = await served(again.socket);
        again.socket.destroy();
        return ok;
      })
      .toBe(true);
    for (const h of [...held, other]) h.socket.destroy();
    expect(log.entries.filter((e) => e.obj.limit === 'endpoint.max_connections_per_address')).toHaveLength(1);
  });
});
