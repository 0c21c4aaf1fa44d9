/**
 * A Crossbar-era Autobahn|Python program through Interchange, unchanged
 * (interop/autobahn_python_runner.py): ApplicationRunner with its default serializer offer, and
 * with `wamp.2.json.batched` alone. It exits 0 only when its GOODBYE is answered with
 * `wamp.close.normal`, as Crossbar answers; it sees PUBLISHED before its own EVENT, as Crossbar
 * sends them; and it watches the realm with a subscription to the empty prefix.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startTestNode, useTestNode } from '../support/test-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./autobahn_python_runner.py', import.meta.url));

describe('an Autobahn|Python ApplicationRunner program written for Crossbar', () => {
  const node = useTestNode();

  it.each([
    ['its default serializers', [], 'cbor.batched'],
    ['wamp.2.json.batched', ['json.batched'], 'json.batched'],
  ])('runs with %s and exits 0', async (_name, extraArgs, serializer) => {
    // execFile rejects on a non-zero exit: the program's own check of the close reason.
    const { stdout } = await run('/usr/bin/python3', [script, node.url, 'realm1', ...extraArgs], { timeout: 30_000 });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      serializer,
      order: ['PUBLISHED', 'EVENT'],
      event: ['hi'],
      sum: 5,
      // The empty prefix saw the realm's meta events and the application's event.
      watched: [
        'wamp.subscription.on_create',
        'wamp.subscription.on_subscribe',
        'wamp.subscription.on_create',
        'wamp.subscription.on_subscribe',
        'wamp.registration.on_create',
        'wamp.registration.on_register',
        'com.example.runner.topic',
      ],
      reason: 'wamp.close.normal',
    });
  });

  it('runs with its default serializers against a node that speaks json only (json.batched is chosen)', async () => {
    const jsonOnly = await startTestNode({ serializers: ['json'] });
    try {
      const { stdout } = await run('/usr/bin/python3', [script, jsonOnly.url, 'realm1'], { timeout: 30_000 });
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({
        serializer: 'json.batched',
        order: ['PUBLISHED', 'EVENT'],
        sum: 5,
        reason: 'wamp.close.normal',
      });
    } finally {
      await jsonOnly.stop();
    }
  });
});
