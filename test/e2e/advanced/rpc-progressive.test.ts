/**
 * Progressive call results and progressive call invocations through the real node, with our
 * typed client on both ends, over each serializer.
 */
import type { CallResult, Session } from '@interchange/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaveAll, openSessions } from '../support/advanced-sessions.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

describe.each(['json', 'msgpack', 'cbor'] as const)('progressive calls over wamp.2.%s', (serializer) => {
  let node: TestNode;
  let callee: Session;
  let other: Session;
  let caller: Session;

  beforeAll(async () => {
    node = await startTestNode();
    [callee, other, caller] = (await openSessions(node.url, 3, serializer)) as [Session, Session, Session];
    await callee.register('com.e2e.count', (inv) => {
      const n = inv.args[0] as number;
      if (inv.receiveProgress) for (let i = 1; i < n; i++) inv.progress(i);
      return n;
    });
    // A procedure that reads streamed input: sums the chunks and reports each running total.
    for (const [name, session] of [
      ['callee', callee],
      ['other', other],
    ] as const) {
      await session.register(
        'com.e2e.sum',
        async (inv) => {
          let total = 0;
          let chunks = 0;
          for await (const chunk of inv.input) {
            total += chunk.args[0] as number;
            chunks += 1;
            if (inv.receiveProgress) inv.progress(total);
          }
          return { total, chunks, streaming: inv.streaming, served: name };
        },
        { invoke: 'roundrobin' },
      );
    }
  });
  afterAll(async () => {
    await leaveAll([callee, other, caller]);
    await node.stop();
  });

  it('delivers progressive results in order, then the final one (advanced "Progressive Call Results")', async () => {
    const call = caller.callProgressive('com.e2e.count', [4]);
    const seen: unknown[] = [];
    for await (const result of call) seen.push([result.args[0], result.details['progress'] === true]);
    expect(seen).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
    ]);
    expect((await call.result).args).toEqual([4]);
  });

  it('a plain call of the same procedure gets only the final result', async () => {
    expect((await caller.call('com.e2e.count', [3])).args).toEqual([3]);
  });

  it('streams input chunks to one callee of a shared registration (advanced "Progressive Call Invocations")', async () => {
    const served: string[] = [];
    for (let round = 0; round < 2; round++) {
      const upload = caller.callStreaming('com.e2e.sum');
      for (const n of [1, 2, 3]) expect(upload.send([n])).toBe(true);
      const { args } = await upload.end([4]);
      const outcome = args[0] as { total: number; chunks: number; streaming: boolean; served: string };
      expect(outcome).toMatchObject({ total: 10, chunks: 4, streaming: true });
      served.push(outcome.served);
    }
    // Round robin moves the second call, but all chunks of each went to one callee.
    expect(new Set(served)).toEqual(new Set(['callee', 'other']));
  });

  it('streams both ways: progressive results while the input is still coming', async () => {
    const stream = caller.callStreaming('com.e2e.sum', { receiveProgress: true });
    const iterator = stream[Symbol.asyncIterator]();
    const totals: unknown[] = [];
    stream.send([5]);
    totals.push(((await iterator.next()).value as CallResult).args[0]);
    stream.send([6]);
    totals.push(((await iterator.next()).value as CallResult).args[0]);
    stream.end([7]);
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) {
      totals.push(r.value.details['progress'] === true ? r.value.args[0] : 'final');
    }
    expect(totals).toEqual([5, 11, 18, 'final']);
    expect(((await stream.result).args[0] as { total: number }).total).toBe(18);
  });

  it('lets the callee answer before the input ends; further sends report the call is over', async () => {
    await callee.register('com.e2e.head', (inv) => `got ${String(inv.args[0])}`);
    const stream = caller.callStreaming('com.e2e.head');
    stream.send(['first']);
    expect((await stream.result).args).toEqual(['got first']);
    expect(stream.send(['second'])).toBe(false);
    // Both sessions are fine and keep working.
    expect((await caller.call('com.e2e.count', [1])).args).toEqual([1]);
  });
});
