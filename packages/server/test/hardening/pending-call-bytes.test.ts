/**
 * The payload bytes of pending calls are bounded per callee session and per realm (the realm's
 * `limits.pending_call_bytes_per_callee` and `limits.pending_call_bytes`, issue 12): a callee that
 * never answers, with callers sending large arguments, cannot make the node hold them without
 * bound while the number of calls stays within its bounds. Against a real node over RawSocket:
 * past a bound the CALL gets an ERROR, the bytes are released when the callee answers or leaves,
 * and other sessions keep being served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterchangeNode } from '../../src/node.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';
import { RawSocketTestClient, type Target } from '../support/rawsocket-client.js';
import { recordingLogger } from '../support/recording.js';

/** About 200 KB a call as the router estimates it (strings count two bytes a character). */
const BIG = 'x'.repeat(100_000);
const MIB = 1024 * 1024;

describe('pending call bytes', () => {
  let node: InterchangeNode;
  let tcp: Target;
  const log = recordingLogger();

  beforeAll(async () => {
    const config = workerConfig([{ type: 'rawsocket', endpoint: LOCAL_ENDPOINT }], {
      realms: [
        { name: 'realm1', limits: { pending_call_bytes_per_callee: MIB } },
        { name: 'realm2', limits: { pending_call_bytes: MIB } },
      ],
    });
    node = await InterchangeNode.start({ config, cbdir: await tempDir(), logger: log.logger });
    tcp = { port: node.addresses[0]!.port };
  });

  afterAll(async () => {
    await node.stop({ timeoutMs: 500 });
  });

  async function session(realm: string): Promise<RawSocketTestClient> {
    const client = await RawSocketTestClient.connected(tcp);
    await client.join(realm);
    return client;
  }

  async function callee(realm: string, procedure: string): Promise<RawSocketTestClient> {
    const client = await session(realm);
    client.sendJson([64, 1, {}, procedure]);
    expect((await client.nextJson())[0]).toBe(65);
    return client;
  }

  /** Sends CALLs with a large argument; resolves with the INVOCATIONs the callee got. */
  async function callBig(caller: RawSocketTestClient, procedure: string, ids: number[], to: RawSocketTestClient) {
    for (const id of ids) caller.sendJson([48, id, {}, procedure, [BIG]]);
    const invocations: unknown[][] = [];
    for (const _ of ids) invocations.push(await to.nextJson());
    return invocations;
  }

  it('refuses a call past pending_call_bytes_per_callee, serves others, and takes calls again once the callee answers', async () => {
    const slow = await callee('realm1', 'com.example.slow');
    const caller = await session('realm1');
    // Five calls of about 200 KB fit in 1 MiB.
    const invocations = await callBig(caller, 'com.example.slow', [1, 2, 3, 4, 5], slow);
    expect(invocations.map((m) => m[0])).toEqual([68, 68, 68, 68, 68]);

    caller.sendJson([48, 6, {}, 'com.example.slow', [BIG]]);
    const refused = await caller.nextJson();
    expect(refused.slice(0, 5)).toEqual([8, 48, 6, {}, 'interchange.error.pending_calls_limit_reached']);
    expect(String((refused[5] as unknown[])[0])).toContain('limits.pending_call_bytes_per_callee');
    // A small call is still within the bound.
    caller.sendJson([48, 7, {}, 'com.example.slow', ['small']]);
    expect((await slow.nextJson())[0]).toBe(68);

    // Another callee of the realm, and its caller, are served throughout.
    const other = await callee('realm1', 'com.example.other');
    const bystander = await session('realm1');
    bystander.sendJson([48, 1, {}, 'com.example.other', [BIG]]);
    const invocation = await other.nextJson();
    other.sendJson([70, invocation[1], {}, ['done']]);
    expect(await bystander.nextJson()).toEqual([50, 1, {}, ['done']]);

    // The slow callee answers one big call: its bytes are released, and a big call fits again.
    slow.sendJson([70, invocations[0]![1], {}, []]);
    expect((await caller.nextJson()).slice(0, 3)).toEqual([50, 1, {}]);
    caller.sendJson([48, 8, {}, 'com.example.slow', [BIG]]);
    expect((await slow.nextJson())[0]).toBe(68);

    const warnings = log.entries.filter((e) => e.obj.limit === 'limits.pending_call_bytes_per_callee');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj.peer).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    for (const client of [slow, caller, other, bystander]) client.close();
  });

  it('passes over a callee of a shared registration that holds its bound of bytes', async () => {
    const register = [64, 1, { invoke: 'roundrobin' }, 'com.example.shared'];
    const [a, b] = [await session('realm1'), await session('realm1')];
    for (const c of [a, b]) {
      c.sendJson(register);
      expect((await c.nextJson())[0]).toBe(65);
    }
    const caller = await session('realm1');
    // Round robin: calls 1, 3, 5, 7, 9 go to a, the others to b; a and b each hold five.
    for (let id = 1; id <= 10; id++) caller.sendJson([48, id, {}, 'com.example.shared', [BIG]]);
    const toB: unknown[][] = [];
    for (let i = 0; i < 5; i++) {
      expect((await a.nextJson())[0]).toBe(68);
      toB.push(await b.nextJson());
    }
    // b answers one: the next call, a's turn, goes to b, since a holds its bound of bytes.
    b.sendJson([70, toB[0]![1], {}, []]);
    expect((await caller.nextJson())[0]).toBe(50);
    caller.sendJson([48, 11, {}, 'com.example.shared', [BIG]]);
    const eleventh = await b.nextJson();
    expect(eleventh[0]).toBe(68);
    expect(eleventh[4]).toEqual([BIG]);
    // Both full now: the call is refused.
    caller.sendJson([48, 12, {}, 'com.example.shared', [BIG]]);
    expect((await caller.nextJson()).slice(0, 5)).toEqual([
      8,
      48,
      12,
      {},
      'interchange.error.pending_calls_limit_reached',
    ]);
    for (const client of [a, b, caller]) client.close();
  });

  it('refuses calls past the realm pending_call_bytes, and takes calls again when a callee leaves', async () => {
    const [a, b] = [await callee('realm2', 'com.example.a'), await callee('realm2', 'com.example.b')];
    const caller = await session('realm2');
    await callBig(caller, 'com.example.a', [1, 2, 3], a);
    await callBig(caller, 'com.example.b', [4, 5], b);
    // The realm holds five calls of about 200 KB; the sixth, to either callee, is refused.
    caller.sendJson([48, 6, {}, 'com.example.b', [BIG]]);
    const refused = await caller.nextJson();
    expect(refused.slice(0, 5)).toEqual([8, 48, 6, {}, 'interchange.error.pending_calls_limit_reached']);
    expect(String((refused[5] as unknown[])[0])).toContain('limits.pending_call_bytes');

    // Callee a leaves: its three calls end with an ERROR, and their bytes are released.
    a.close();
    const ended = [await caller.nextJson(), await caller.nextJson(), await caller.nextJson()];
    expect(ended.map((m) => [m[0], m[4]])).toEqual(Array(3).fill([8, 'wamp.error.canceled']));
    caller.sendJson([48, 7, {}, 'com.example.b', [BIG]]);
    expect((await b.nextJson())[0]).toBe(68);
    expect(log.entries.some((e) => e.obj.limit === 'limits.pending_call_bytes')).toBe(true);
    for (const client of [b, caller]) client.close();
  });
});
