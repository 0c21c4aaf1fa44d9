/**
 * Crossbar's session statistics read by an Autobahn|Python monitor
 * (interop/autobahn_python_stats.py), once per serializer: its `(session_details, stats)`
 * handler gets the events of another session's join, traffic and leave, with integer fields as
 * Python's own serializer stats have them (the nanosecond timestamp passes 2^53, and came as a
 * float over msgpack and CBOR before it was sent as a 64-bit integer).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from '../support/config-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./autobahn_python_stats.py', import.meta.url));

describe('session statistics with an Autobahn|Python monitor', () => {
  let node: ConfigNode;

  beforeAll(async () => {
    const realm = {
      ...openRealm(),
      stats: { rated_message_size: 64, trigger_after_rated_messages: 6, trigger_on_join: true, trigger_on_leave: true },
    };
    node = await startConfigNode(
      routerConfig([realm], [{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket' } } }]),
      { prefix: 'stats-python' },
    );
  });

  afterAll(async () => {
    await node?.stop();
  });

  it.each(['json', 'msgpack', 'cbor'])('over %s', async (serializer) => {
    const url = `ws://127.0.0.1:${node.port}/ws`;
    const { stdout } = await run('/usr/bin/python3', [script, url, 'realm1', serializer], { timeout: 30_000 });
    const seen = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(seen.details).toEqual({
      realm: 'realm1',
      session: expect.any(Number),
      authid: expect.any(String),
      authrole: 'anonymous',
    });
    expect(seen.serializer).toBe(serializer);
    expect(seen.cycles.length).toBeGreaterThanOrEqual(3);
    expect(seen.cycles).toEqual(seen.cycles.map((_: unknown, i: number) => i + 1));
    expect(seen.first[0]).toBe(true);
    expect(seen.last.at(-1)).toBe(true);
    expect(seen.types).toEqual({
      cycle: 'int',
      serializer: 'str',
      timestamp: 'int',
      duration: 'int',
      bytes: 'int',
      messages: 'int',
      rated_messages: 'int',
      first: 'bool',
      last: 'bool',
    });
  });
});
