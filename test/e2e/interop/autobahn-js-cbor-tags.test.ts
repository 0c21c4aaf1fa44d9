/**
 * CBOR tags through the router, with Autobahn|JS over `wamp.2.cbor` (its `cbor` package sends a
 * `Uint8Array` as a typed array, tag 64, and a Node `Buffer` as a plain byte string): each comes
 * back as it was sent, the callee sees the caller's type, and other tags come through unchanged.
 * A JSON peer on the same call gets the bytes as bytes.
 * Autobahn|JS 26 uses the global WebSocket, which Node 20 lacks; `ws` stands in for it.
 */
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAutobahn } from '../support/autobahn-js.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

async function openSession(url: string, serializer: 'cbor' | 'json'): Promise<autobahn.Session> {
  return (await openAutobahn(url, serializer)).session;
}

const kind = (value: unknown): string => (Buffer.isBuffer(value) ? 'Buffer' : (value as object).constructor.name);

describe('CBOR tags through the router (Autobahn|JS over wamp.2.cbor)', () => {
  let node: TestNode;
  const sessions: autobahn.Session[] = [];
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    for (const session of sessions) session.leave('wamp.close.normal', 'done');
    await node.stop();
  });

  it('returns a Uint8Array as a Uint8Array and a Buffer as a Buffer, and keeps other typed arrays', async () => {
    const callee = await openSession(node.url, 'cbor');
    const caller = await openSession(node.url, 'cbor');
    sessions.push(callee, caller);
    const seen: string[] = [];
    await callee.register('com.example.echo', (args?: unknown[]) => {
      seen.push(...(args ?? []).map(kind));
      return new autobahn.Result(args);
    });
    const sent = [new Uint8Array([1, 2, 3]), Buffer.from([4, 5]), new Float32Array([1.5, -2])];
    const result = (await caller.call('com.example.echo', sent)) as autobahn.Result;
    expect(seen).toEqual(['Uint8Array', 'Buffer', 'Float32Array']);
    expect(result.args.map(kind)).toEqual(['Uint8Array', 'Buffer', 'Float32Array']);
    expect(result.args.map((value) => Array.from(value as ArrayLike<number>))).toEqual([
      [1, 2, 3],
      [4, 5],
      [1.5, -2],
    ]);
  });

  it('gives a JSON callee the bytes as bytes and the typed array as a list', async () => {
    const callee = await openSession(node.url, 'json');
    const caller = await openSession(node.url, 'cbor');
    sessions.push(callee, caller);
    let seen: unknown[] = [];
    await callee.register('com.example.inspect', (args?: unknown[]) => {
      seen = args ?? [];
      return 'ok';
    });
    await caller.call('com.example.inspect', [new Uint8Array([1, 2]), new Float32Array([0.5])]);
    // Autobahn|JS's JSON serializer leaves the spec's binary strings (NUL + base64) as they are.
    expect(seen).toEqual(['\u0000AQI=', [0.5]]);
  });
});
