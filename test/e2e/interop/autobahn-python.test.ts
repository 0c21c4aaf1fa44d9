/**
 * Interop with Autobahn|Python (Debian's python3-autobahn, run with /usr/bin/python3): two
 * sessions register, call, subscribe and publish through our router, once per serializer.
 */
import { describe, it } from 'vitest';
import { expectBasicScenario, runPythonClient } from '../support/python-interop.js';
import { useTestNode } from '../support/test-node.js';

describe.each(['json', 'msgpack', 'cbor'])('Autobahn|Python over wamp.2.%s', (serializer) => {
  const node = useTestNode();

  it('registers, calls, subscribes and publishes through the router', async () => {
    expectBasicScenario(await runPythonClient('websocket', node.url, serializer));
  });
});
