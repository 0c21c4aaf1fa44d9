/**
 * msgpack frames that arrive together in one socket read: the decoder reads each as a range of
 * the read's buffer (packages/protocol/src/serializer-binary.ts), so the frames around one must
 * neither change what it decodes to nor complete a truncated one.
 */
import { createSerializer, type WampMessage } from '@interchange/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, RawWampClient, tempDir, workerConfig } from '../helpers.js';

const msgpack = createSerializer('msgpack');
/** A binary serializer's frames are bytes. */
const encode = (message: WampMessage): Uint8Array => msgpack.encode(message) as Uint8Array;
const ROLES = { roles: { caller: {}, callee: {} } };

function msgpackClient(url: string): RawWampClient {
  return new RawWampClient(url, 'wamp.2.msgpack', (data) => msgpack.decode(new Uint8Array(data))[0]);
}

async function join(client: RawWampClient): Promise<void> {
  await client.opened;
  client.ws.send(msgpack.encode({ type: 'HELLO', realm: 'realm1', details: ROLES }));
  expect(await client.next<WampMessage>()).toMatchObject({ type: 'WELCOME' });
}

/** Sends `frames` as WebSocket frames in one TCP write, so the router reads them together. */
function sendTogether(client: RawWampClient, frames: Uint8Array[]): void {
  // ws writes each frame to its socket at once; corked, they leave in one write.
  const socket = (client.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  socket.cork();
  for (const frame of frames) client.ws.send(frame, { binary: true });
  socket.uncork();
}

describe('msgpack frames read together', () => {
  let node: InterchangeNode;
  let url: string;
  let callee: RawWampClient;

  beforeAll(async () => {
    node = await InterchangeNode.start({
      config: workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }]),
      cbdir: await tempDir(),
    });
    url = node.addresses[0]!.websocketUrls[0]!;
    callee = msgpackClient(url);
    await join(callee);
    callee.ws.send(msgpack.encode({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.example.echo' }));
    expect(await callee.next<WampMessage>()).toMatchObject({ type: 'REGISTERED' });
  });

  afterAll(async () => {
    callee.ws.close();
    await node.stop({ timeoutMs: 500 });
  });

  /** Echoes the next `count` invocations back as they came. */
  async function echo(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const invocation = await callee.next<WampMessage>();
      if (invocation.type !== 'INVOCATION') throw new Error(`expected INVOCATION, got ${invocation.type}`);
      callee.ws.send(
        msgpack.encode({
          type: 'YIELD',
          requestId: invocation.requestId,
          options: {},
          args: invocation.args ?? [],
          ...(invocation.kwargs === undefined ? {} : { kwargs: invocation.kwargs }),
        }),
      );
    }
  }

  it('routes every call of a read, binary and nested arguments intact', async () => {
    const caller = msgpackClient(url);
    await join(caller);
    const calls = [1, 2, 3, 4].map(
      (requestId): WampMessage => ({
        type: 'CALL',
        requestId,
        options: {},
        procedure: 'com.example.echo',
        args: [requestId, new Uint8Array([requestId, 255]), { nested: [[requestId]] }],
        kwargs: { n: 2 ** 40 + requestId },
      }),
    );
    sendTogether(
      caller,
      calls.map((call) => encode(call)),
    );
    await echo(calls.length);
    for (const call of calls) {
      const result = await caller.next<WampMessage>();
      expect(result).toEqual({
        type: 'RESULT',
        requestId: (call as { requestId: number }).requestId,
        details: {},
        args: (call as { args: unknown[] }).args,
        kwargs: (call as { kwargs: unknown }).kwargs,
      });
    }
    caller.ws.close();
  });

  it('answers a truncated frame with ABORT even when the next frame of the read would complete it', async () => {
    const caller = msgpackClient(url);
    await join(caller);
    const call = encode({ type: 'CALL', requestId: 9, options: {}, procedure: 'com.example.echo', args: [9] });
    // The CALL cut before its last byte (its args list), then a whole CALL: read past its end,
    // the first would find a list there.
    sendTogether(caller, [call.subarray(0, call.length - 1), call]);
    const abort = await caller.next<WampMessage>();
    expect(abort).toMatchObject({ type: 'ABORT', reason: 'wamp.error.protocol_violation' });
    await caller.closed;

    // Neither call reached the callee, and the router still routes for others.
    const other = msgpackClient(url);
    await join(other);
    other.ws.send(
      msgpack.encode({ type: 'CALL', requestId: 1, options: {}, procedure: 'com.example.echo', args: ['ok'] }),
    );
    const invocation = await callee.next<WampMessage>();
    expect(invocation).toMatchObject({ type: 'INVOCATION', args: ['ok'] });
    callee.ws.send(
      msgpack.encode({
        type: 'YIELD',
        requestId: (invocation as { requestId: number }).requestId,
        options: {},
        args: ['ok'],
      }),
    );
    expect(await other.next<WampMessage>()).toMatchObject({ type: 'RESULT', requestId: 1, args: ['ok'] });
    other.ws.close();
  });

  it('answers hostile frames with ABORT: a huge declared list, endless nesting', async () => {
    for (const frame of [Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), new Uint8Array(2000).fill(0x91)]) {
      const caller = msgpackClient(url);
      await join(caller);
      sendTogether(caller, [frame, encode({ type: 'CALL', requestId: 2, options: {}, procedure: 'x.y' })]);
      expect(await caller.next<WampMessage>()).toMatchObject({
        type: 'ABORT',
        reason: 'wamp.error.protocol_violation',
      });
      await caller.closed;
    }
  });
});
