/**
 * A call always ends (issue 12): when the INVOCATION cannot be encoded for the callee's
 * serializer (here a CBOR bignum for a MessagePack callee) it was dropped and the caller waited
 * forever; likewise a RESULT the caller's serializer cannot take. Now the caller gets an ERROR
 * naming why. Against a real node over RawSocket; the callee keeps serving other calls.
 */
import { createSerializer, RawSocketFrameType, type WampMessage } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { useRawSocketNode } from '../support/rawsocket-node.js';

const SERIALIZER_IDS = { json: 1, msgpack: 2, cbor: 3 } as const;
type Name = keyof typeof SERIALIZER_IDS;
const HELLO_ROLES = { caller: {}, callee: {} };

/** A RawSocket session speaking `name`, with typed messages. */
async function session(tcp: Target, name: Name) {
  const serializer = createSerializer(name);
  const client = await RawSocketTestClient.connected(tcp, SERIALIZER_IDS[name]);
  const send = (message: WampMessage) =>
    client.frame(RawSocketFrameType.MESSAGE, serializer.encode(message) as Uint8Array);
  const next = async (): Promise<WampMessage> => {
    const event = await client.next();
    if (event?.type !== 'message') throw new Error(`expected a message, got ${JSON.stringify(event)}`);
    return serializer.decode(event.payload)[0] as WampMessage;
  };
  send({ type: 'HELLO', realm: 'realm1', details: { roles: HELLO_ROLES } });
  expect((await next()).type).toBe('WELCOME');
  return { client, send, next };
}

describe('a call always ends', () => {
  const tcp: Target = useRawSocketNode();

  it('fails a call whose INVOCATION the callee cannot be sent, with an ERROR saying why', async () => {
    const callee = await session(tcp, 'msgpack');
    callee.send({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.example.echo' });
    expect((await callee.next()).type).toBe('REGISTERED');
    const caller = await session(tcp, 'cbor');
    caller.send({ type: 'CALL', requestId: 7, options: {}, procedure: 'com.example.echo', args: [2n ** 70n] });
    const error = await caller.next();
    expect(error).toMatchObject({ type: 'ERROR', requestId: 7, error: 'wamp.error.invalid_argument' });
    expect((error as { args?: unknown[] }).args?.[0]).toMatch(/invocation cannot be encoded in msgpack/);

    // The callee never saw that call, and still serves the next one.
    caller.send({ type: 'CALL', requestId: 8, options: {}, procedure: 'com.example.echo', args: [1] });
    const invocation = await callee.next();
    expect(invocation).toMatchObject({ type: 'INVOCATION', args: [1] });
    callee.send({ type: 'YIELD', requestId: (invocation as { requestId: number }).requestId, options: {}, args: [1] });
    expect(await caller.next()).toMatchObject({ type: 'RESULT', requestId: 8, args: [1] });
    callee.client.close();
    caller.client.close();
  });

  it('answers with an ERROR when the RESULT cannot be encoded for the caller', async () => {
    const callee = await session(tcp, 'cbor');
    callee.send({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.example.big' });
    expect((await callee.next()).type).toBe('REGISTERED');
    const caller = await session(tcp, 'msgpack');
    caller.send({ type: 'CALL', requestId: 3, options: {}, procedure: 'com.example.big' });
    const invocation = await callee.next();
    callee.send({
      type: 'YIELD',
      requestId: (invocation as { requestId: number }).requestId,
      options: {},
      args: [2n ** 70n],
    });
    expect(await caller.next()).toMatchObject({ type: 'ERROR', requestId: 3, error: 'wamp.error.invalid_argument' });
    callee.client.close();
    caller.client.close();
  });
});
