/**
 * Interop with Autobahn|Python's UBJSON serializer (Debian's python3-autobahn with py-ubjson,
 * run with /usr/bin/python3): two sessions register, call (bytes included), raise errors,
 * subscribe and publish through our router over `wamp.2.ubjson`, its batched form, and RawSocket
 * serializer 4. The node's config lists `ubjson` the way Crossbar's example configs do.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectBasicScenario, runPythonClient } from '../support/python-interop.js';

const LOCAL_ENDPOINT = { type: 'tcp', port: 0, interface: '127.0.0.1' };

describe('Autobahn|Python over UBJSON', () => {
  let node: InterchangeNode;
  let ws: string;
  let rawsocket: string;

  beforeAll(async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-ubjson-'));
    const serializers = ['json', 'msgpack', 'cbor', 'ubjson'];
    const config = {
      version: 2,
      workers: [
        {
          type: 'router',
          realms: [
            {
              name: 'realm1',
              roles: [
                {
                  name: 'anonymous',
                  permissions: [
                    { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
                  ],
                },
              ],
            },
          ],
          transports: [
            {
              type: 'web',
              endpoint: LOCAL_ENDPOINT,
              paths: { ws: { type: 'websocket', serializers } },
            },
            { type: 'rawsocket', endpoint: LOCAL_ENDPOINT, serializers, max_message_size: 1048576 },
          ],
        },
      ],
    };
    node = await InterchangeNode.start({ config, cbdir });
    ws = `ws://127.0.0.1:${node.addresses[0]!.port}/ws`;
    rawsocket = `127.0.0.1:${node.addresses[1]!.port}`;
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it.each([
    ['websocket', 'ubjson'],
    ['websocket', 'ubjson.batched'],
    ['rawsocket', 'ubjson'],
  ] as const)(
    'over %s with wamp.2.%s: registers, calls with bytes, subscribes and publishes',
    async (transport, serializer) => {
      expectBasicScenario(await runPythonClient(transport, transport === 'websocket' ? ws : rawsocket, serializer));
    },
  );
});
