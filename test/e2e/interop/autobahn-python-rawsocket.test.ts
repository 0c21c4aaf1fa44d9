/**
 * Interop with Autobahn|Python over RawSocket (Debian's python3-autobahn, run with
 * /usr/bin/python3): two sessions register, call, subscribe and publish through our router,
 * for json and msgpack, over TCP and over a Unix domain socket.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openRealm, routerConfig } from '../support/config-node.js';
import { expectBasicScenario, runPythonClient } from '../support/python-interop.js';

const LOCAL_ENDPOINT = { type: 'tcp', port: 0, interface: '127.0.0.1' };

describe('Autobahn|Python over RawSocket', () => {
  let node: InterchangeNode;
  let tcp: string;
  let unix: string;

  beforeAll(async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-rawsocket-'));
    const config = routerConfig(
      [openRealm()],
      [
        {
          type: 'rawsocket',
          endpoint: LOCAL_ENDPOINT,
          serializers: ['json', 'msgpack'],
          max_message_size: 1048576,
        },
        { type: 'rawsocket', endpoint: { type: 'unix', path: 'wamp.sock' }, max_message_size: 1048576 },
      ],
    );
    node = await InterchangeNode.start({ config, cbdir });
    tcp = `127.0.0.1:${node.addresses[0]!.port}`;
    unix = join(cbdir, 'wamp.sock');
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  it.each([
    ['json', 'TCP'],
    ['msgpack', 'TCP'],
    ['json', 'a Unix socket'],
    ['msgpack', 'a Unix socket'],
  ])('registers, calls, subscribes and publishes over wamp.2.%s on %s', async (serializer, where) => {
    const target = where === 'TCP' ? tcp : unix;
    expectBasicScenario(await runPythonClient('rawsocket', target, serializer));
  });
});
