/**
 * RawSocket connections against input and peers that would crash the process or flood its log:
 * an error of our own decoder ends that connection only; messages over the client's limit are
 * dropped with one warning per run; a protocol violation is logged once (by the router).
 */
import { RawSocketDecoder } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

describe('RawSocket robustness', () => {
  let node: InterchangeNode;
  let tcp: Target;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig([{ type: 'rawsocket', endpoint: LOCAL_ENDPOINT }]);
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    tcp = { port: node.addresses[0]!.port };
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await node.stop({ timeoutMs: 500 });
  });

  it('logs and drops a connection whose input breaks the decoder itself, and serves the next one', async () => {
    // The first push is the server's: the client has received nothing yet.
    const push = vi.spyOn(RawSocketDecoder.prototype, 'push').mockImplementationOnce(() => {
      throw new TypeError('decoder bug');
    });
    const client = await RawSocketTestClient.open(tcp);
    client.write([0x7f, 0xf1, 0, 0]);
    await client.closed;
    push.mockRestore();
    const entry = await log.waitFor((e) => e.msg === 'rawsocket decoder failed');
    expect(entry.level).toBe('error');
    expect((entry.obj.err as Error).message).toBe('decoder bug');
    const next = await RawSocketTestClient.connected(tcp);
    expect(await next.join()).toBeGreaterThan(0);
    next.close();
  });

  it('drops messages over the client limit with one warning per run, then reports how many', async () => {
    const subscriber = await RawSocketTestClient.connected(tcp, 1, 2); // accepts 2048 octets
    await subscriber.join();
    subscriber.sendJson([32, 1, {}, 'com.example.big']);
    expect((await subscriber.nextJson())[0]).toBe(33);
    const publisher = await RawSocketTestClient.connected(tcp);
    await publisher.join();
    const publish = async (request: number, payload: string) => {
      publisher.sendJson([16, request, { acknowledge: true }, 'com.example.big', [payload]]);
      expect(await publisher.nextJson()).toEqual([17, request, expect.any(Number)]);
    };
    const warnings = () =>
      log.entries.filter((e) => e.msg === 'message exceeds the client limit; dropping such messages');
    for (let i = 1; i <= 5; i++) await publish(i, 'x'.repeat(4000));
    await vi.waitFor(() => expect(warnings()).toHaveLength(1));
    await publish(6, 'small');
    const event = await subscriber.nextJson();
    expect(event[0]).toBe(36);
    expect(event[4]).toEqual(['small']);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ level: 'warn', obj: { limit: 2048 } });
    const summary = log.entries.find((e) => e.msg === 'messages over the client limit were dropped');
    expect(summary).toMatchObject({ level: 'info', obj: { dropped: 5, limit: 2048 } });
    subscriber.close();
    publisher.close();
  });

  it('closes the connection when a message the session waits for exceeds the client limit', async () => {
    // The smallest limit the spec allows (2^9 octets) is below the size of our WELCOME.
    const client = await RawSocketTestClient.connected(tcp, 1, 0);
    client.sendJson([1, 'realm1', { roles: { caller: {}, subscriber: {} } }]);
    await client.closed;
    const entry = await log.waitFor(
      (e) => e.msg === 'message exceeds the client limit and cannot be dropped; closing the connection',
    );
    expect(entry).toMatchObject({ level: 'warn', obj: { type: 'WELCOME', limit: 512 } });
  });

  it('logs a protocol violation once: at warn by the router, at debug only by the transport', async () => {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join();
    const before = log.entries.length;
    client.sendJson([9999]);
    const abort = await client.nextJson();
    expect(abort[0]).toBe(3);
    expect(abort[2]).toBe('wamp.error.protocol_violation');
    await client.closed;
    const violations = log.entries.slice(before).filter((e) => e.msg === 'protocol violation');
    expect(violations.filter((e) => e.level !== 'debug').map((e) => e.level)).toEqual(['warn']);
  });
});
