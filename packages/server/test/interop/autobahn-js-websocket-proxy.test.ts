/**
 * A WAMP router behind a `websocket-reverseproxy` path, as Crossbar's wsrproxy example sets it
 * up: Autobahn|JS (npm `autobahn`) connects to the proxy path of one node, which relays to the
 * WebSocket transport of another; the subprotocol Autobahn offers is negotiated with the backend,
 * and calls and events flow through the relay.
 */
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { type OpenAutobahn, openAutobahn } from '../support/autobahn-open.js';

// Node 20 has no global WebSocket; Autobahn|JS uses the global one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/**
 * Autobahn|JS's serializer classes and the transport option that takes them, which
 * @types/autobahn does not declare.
 */
const autobahnSerializers = (
  autobahn as unknown as { serializer: { JSONSerializer: new () => object; MsgpackSerializer: new () => object } }
).serializer;
type AutobahnOptionsWithSerializers = autobahn.IConnectionOptions & {
  transports: (autobahn.ITransportDefinition & { serializers: object[] })[];
};

function open(url: string, serializer: 'json' | 'msgpack'): Promise<OpenAutobahn> {
  const options: AutobahnOptionsWithSerializers = {
    realm: 'realm1',
    max_retries: 0,
    transports: [
      {
        type: 'websocket',
        url,
        serializers: [
          serializer === 'json'
            ? new autobahnSerializers.JSONSerializer()
            : new autobahnSerializers.MsgpackSerializer(),
        ],
      },
    ],
  };
  return openAutobahn(options);
}

describe('Autobahn|JS through a websocket-reverseproxy path', () => {
  let backend: InterchangeNode;
  let front: InterchangeNode;
  let proxyUrl: string;

  beforeAll(async () => {
    backend = await InterchangeNode.start({
      config: workerConfig([{ type: 'websocket', endpoint: LOCAL_ENDPOINT }]),
      cbdir: await tempDir(),
    });
    const port = backend.addresses[0]!.port;
    front = await InterchangeNode.start({
      config: workerConfig([
        {
          type: 'web',
          endpoint: LOCAL_ENDPOINT,
          paths: {
            proxy1: {
              type: 'websocket-reverseproxy',
              backend: {
                type: 'websocket',
                endpoint: { type: 'tcp', host: '127.0.0.1', port },
                url: `ws://localhost:${port}`,
              },
            },
          },
        },
      ]),
      cbdir: await tempDir(),
    });
    proxyUrl = `ws://127.0.0.1:${front.addresses[0]!.port}/proxy1`;
  });

  afterAll(async () => {
    await front?.stop();
    await backend?.stop();
  });

  it('registers, calls and receives events through the relay (JSON and MessagePack)', async () => {
    const callee = await open(proxyUrl, 'json');
    const caller = await open(proxyUrl, 'msgpack');
    await callee.session.register('com.example.add2', (args?: unknown[]) => Number(args?.[0]) + Number(args?.[1]));
    expect(await caller.session.call('com.example.add2', [2, 3])).toBe(5);
    let onEvent: (args: unknown[]) => void = () => undefined;
    const received = new Promise<unknown[]>((resolve) => {
      onEvent = resolve;
    });
    await callee.session.subscribe('com.example.onhello', (args?: unknown[]) => onEvent(args ?? []));
    await caller.session.publish('com.example.onhello', ['Hello through the proxy'], {}, { acknowledge: true });
    expect(await received).toEqual(['Hello through the proxy']);
    // GOODBYE both ways through the relay: a clean close, not a lost connection.
    callee.connection.close();
    caller.connection.close();
    expect(await callee.closed).toBe('closed');
    expect(await caller.closed).toBe('closed');
  });
});
