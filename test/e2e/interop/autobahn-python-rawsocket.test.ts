/**
 * Interop with Autobahn|Python over RawSocket (Debian's python3-autobahn, run with
 * /usr/bin/python3): two sessions register, call, subscribe and publish through our router,
 * for json and msgpack, over TCP and over a Unix domain socket.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./autobahn_python_client.py', import.meta.url));
const LOCAL_ENDPOINT = { type: 'tcp', port: 0, interface: '127.0.0.1' };

describe('Autobahn|Python over RawSocket', () => {
  let node: InterchangeNode;
  let tcp: string;
  let unix: string;

  beforeAll(async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-rawsocket-'));
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
              type: 'rawsocket',
              endpoint: LOCAL_ENDPOINT,
              serializers: ['json', 'msgpack'],
              max_message_size: 1048576,
            },
            { type: 'rawsocket', endpoint: { type: 'unix', path: 'wamp.sock' }, max_message_size: 1048576 },
          ],
        },
      ],
    };
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
    const { stdout } = await run('/usr/bin/python3', [script, 'rawsocket', target, 'realm1', serializer], {
      timeout: 30_000,
    });
    const observed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

    expect(observed.welcome.realm).toBe('realm1');
    expect(observed.welcome.authrole).toBe('anonymous');
    expect(observed.welcome.backend_session).not.toBe(observed.welcome.frontend_session);
    expect(observed.add2).toBe(5);
    expect(observed.echo).toEqual({ args: [1, 'two'], kwargs: { color: 'orange', size: 3 } });
    expect(observed.bytes).toEqual([0, 1, 254, 255]);
    expect(observed.big_length).toBe(50000);
    expect(observed.fail).toEqual({ error: 'com.interop.failed', args: ['as requested'], kwargs: { code: 42 } });
    expect(observed.no_such_procedure).toBe('wamp.error.no_such_procedure');
    expect(observed.already_exists).toBe('wamp.error.procedure_already_exists');
    expect(observed.publication_id_is_int).toBe(true);
    expect(observed.events).toEqual([
      { args: ['hello', 7], kwargs: { note: 'first' } },
      { args: ['to myself too'], kwargs: {} },
    ]);
  });
});
