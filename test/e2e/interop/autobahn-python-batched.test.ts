/**
 * Interop with Autobahn|Python over the batched WebSocket subprotocols. Autobahn|Python (and so
 * every Crossbar deployment) ends each message of `wamp.2.json.batched` with 0x18 where the spec
 * text writes 0x1e; the router reads both and answers in the separator its client writes, so the
 * whole basic scenario runs. msgpack and cbor batch with a 4-byte length prefix on both sides.
 */
import { describe, it } from 'vitest';
import { expectBasicScenario, runPythonClient } from '../support/python-interop.js';
import { useTestNode } from '../support/test-node.js';

describe.each(['json.batched', 'msgpack.batched', 'cbor.batched'])('Autobahn|Python over wamp.2.%s', (serializer) => {
  const node = useTestNode();

  it('registers, calls, subscribes and publishes through the router', async () => {
    expectBasicScenario(await runPythonClient('websocket', node.url, serializer));
  });
});
