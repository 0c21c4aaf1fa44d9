/**
 * A call across nodes always ends (issue 12, cluster part): when the INVOCATION relayed to a
 * callee on another node cannot be encoded for that callee's serializer (here a CBOR bignum
 * for a MessagePack callee: the cluster's own encoding carries it, the callee's cannot), the
 * caller on the first node gets an ERROR saying why instead of waiting forever, and the callee
 * keeps serving other calls.
 */
import { createSerializer, type Frame, type SerializerName, type WampMessage } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { useCluster } from './cluster-fixture.js';
import { type ClusterNode, registeredEverywhere } from './cluster-support.js';

const { nodes } = useCluster(['a', 'b']);

/** A session speaking `name` with typed messages, joined to realm1 on `url`. */
async function typedSession(url: string, name: SerializerName) {
  const serializer = createSerializer(name);
  const socket = new WebSocket(url, [`wamp.2.${name}`]);
  const queue: WampMessage[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const frame: Frame = isBinary ? new Uint8Array(data) : data.toString('utf8');
    queue.push(...(serializer.decode(frame) as WampMessage[]));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const send = (message: WampMessage) => socket.send(serializer.encode(message));
  const next = async (): Promise<WampMessage> => {
    while (queue.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return queue.shift() as WampMessage;
  };
  send({ type: 'HELLO', realm: 'realm1', details: { roles: { caller: {}, callee: {} } } });
  expect((await next()).type).toBe('WELCOME');
  return { send, next, close: () => socket.close() };
}

describe('a call across nodes always ends', () => {
  it('fails a call whose relayed INVOCATION the callee cannot be sent, with an ERROR saying why', async () => {
    const callee = await typedSession((nodes[1] as ClusterNode).url(), 'msgpack');
    callee.send({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.encode.echo' });
    expect((await callee.next()).type).toBe('REGISTERED');
    await registeredEverywhere(nodes, 'com.encode.echo', 1);

    const caller = await typedSession((nodes[0] as ClusterNode).url(), 'cbor');
    caller.send({ type: 'CALL', requestId: 7, options: {}, procedure: 'com.encode.echo', args: [2n ** 70n] });
    const error = await caller.next();
    expect(error).toMatchObject({ type: 'ERROR', requestId: 7, error: 'wamp.error.invalid_argument' });
    expect((error as { args?: unknown[] }).args?.[0]).toMatch(/invocation cannot be encoded in msgpack/);

    // The callee never saw that call, and still serves the next one across nodes.
    caller.send({ type: 'CALL', requestId: 8, options: {}, procedure: 'com.encode.echo', args: [1] });
    const invocation = await callee.next();
    expect(invocation).toMatchObject({ type: 'INVOCATION', args: [1] });
    callee.send({ type: 'YIELD', requestId: (invocation as { requestId: number }).requestId, options: {}, args: [1] });
    expect(await caller.next()).toMatchObject({ type: 'RESULT', requestId: 8, args: [1] });
    callee.close();
    caller.close();
  });
});
