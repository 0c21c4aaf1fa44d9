/**
 * Interop with Autobahn|Python (Debian's python3-autobahn, run with /usr/bin/python3): two
 * sessions register, call, subscribe and publish through our router, once per serializer.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/test-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./autobahn_python_client.py', import.meta.url));

describe.each(['json', 'msgpack', 'cbor'])('Autobahn|Python over wamp.2.%s', (serializer) => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('registers, calls, subscribes and publishes through the router', async () => {
    const { stdout } = await run('/usr/bin/python3', [script, 'websocket', node.url, 'realm1', serializer], {
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
    // The frontend's event, then the backend's own exclude_me=false event; never the excluded one.
    expect(observed.events).toEqual([
      { args: ['hello', 7], kwargs: { note: 'first' } },
      { args: ['to myself too'], kwargs: {} },
    ]);
  });
});
