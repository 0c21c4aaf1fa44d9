/**
 * Interop with Autobahn|JS (npm `autobahn` 26, a client nobody on this team wrote) on the
 * advanced profile: progressive call results and pattern-based subscriptions (and
 * registrations), between Autobahn|JS sessions and between Autobahn|JS and our typed client,
 * once per serializer. Autobahn|JS 26 uses the global WebSocket, which Node 20 lacks; `ws`
 * stands in for it.
 */
import { connect, type Event, type Session } from '@interchange/client';
import type autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/advanced-sessions.js';
import { closeAutobahn, openAutobahn } from '../support/autobahn-js.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

/** An Autobahn|JS call with progress notifications (when.js promises: the third `then` argument). */
function callWithProgress(
  session: autobahn.Session,
  procedure: string,
  args: unknown[],
): Promise<{ progress: unknown[]; final: unknown }> {
  const progress: unknown[] = [];
  const pending = session.call(procedure, args, {}, { receive_progress: true }) as unknown as {
    then(
      onResult: (value: unknown) => void,
      onError: (error: unknown) => void,
      onProgress: (value: unknown) => void,
    ): void;
  };
  return new Promise((resolve, reject) => {
    pending.then(
      (final) => resolve({ progress, final }),
      reject,
      (value) => progress.push(value),
    );
  });
}

describe.each(['json', 'msgpack', 'cbor'] as const)('Autobahn|JS advanced profile over wamp.2.%s', (serializer) => {
  let node: TestNode;
  let js: { session: autobahn.Session; connection: autobahn.Connection };
  let jsOther: { session: autobahn.Session; connection: autobahn.Connection };
  let typed: Session;

  beforeAll(async () => {
    node = await startTestNode();
    js = await openAutobahn(node.url, serializer);
    jsOther = await openAutobahn(node.url, serializer);
    typed = await connect({ url: node.url, realm: 'realm1', serializers: [serializer] });
    // An Autobahn|JS callee that reports progress through details.progress.
    await js.session.register('com.interop.js.count', (args, _kwargs, details) => {
      const n = (args?.[0] as number) ?? 0;
      for (let i = 1; i < n; i++) details?.progress?.([i], {});
      return n;
    });
    // Our typed callee that reports progress through invocation.progress.
    await typed.register('com.interop.typed.count', (inv) => {
      const n = inv.args[0] as number;
      if (inv.receiveProgress) for (let i = 1; i < n; i++) inv.progress(i);
      return n;
    });
  });
  afterAll(async () => {
    await typed.leave();
    await closeAutobahn(js.connection);
    await closeAutobahn(jsOther.connection);
    await node.stop();
  });

  it('progressive results between Autobahn|JS caller and callee', async () => {
    expect(await callWithProgress(jsOther.session, 'com.interop.js.count', [4])).toEqual({
      progress: [1, 2, 3],
      final: 4,
    });
  });

  it('progressive results from our callee to an Autobahn|JS caller, and from an Autobahn|JS callee to ours', async () => {
    expect(await callWithProgress(js.session, 'com.interop.typed.count', [3])).toEqual({ progress: [1, 2], final: 3 });
    const call = typed.callProgressive('com.interop.js.count', [3]);
    const seen: unknown[] = [];
    for await (const result of call) seen.push([result.args[0], result.details['progress'] === true]);
    expect(seen).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it('refuses a streaming call to an Autobahn|JS callee, which cannot take progressive invocations', async () => {
    const stream = typed.callStreaming('com.interop.js.count');
    stream.send([1]);
    await expect(stream.result).rejects.toMatchObject({ uri: 'wamp.error.feature_not_supported' });
    expect(typed.isOpen).toBe(true);
  });

  it('pattern-based subscriptions of Autobahn|JS get events from both clients, with details.topic', async () => {
    const seen: string[] = [];
    await js.session.subscribe(
      'com.interop.js.pat.',
      (_args, _kwargs, details) => void seen.push(`prefix ${details?.topic}`),
      {
        match: 'prefix',
      },
    );
    await js.session.subscribe(
      'com.interop.js..temp',
      (_args, _kwargs, details) => void seen.push(`wildcard ${details?.topic}`),
      {
        match: 'wildcard',
      },
    );
    await typed.publish('com.interop.js.pat.kitchen', [], { acknowledge: true });
    await jsOther.session.publish('com.interop.js.hall.temp', [], {}, { acknowledge: true });
    await eventually(() => seen.length === 2);
    expect(seen.sort()).toEqual(['prefix com.interop.js.pat.kitchen', 'wildcard com.interop.js.hall.temp']);
  });

  it('our pattern subscription gets events Autobahn|JS publishes, with event.topic', async () => {
    const events: Event[] = [];
    await typed.subscribe('com.interop.typed.sensor.', (e) => void events.push(e), { match: 'prefix' });
    await jsOther.session.publish('com.interop.typed.sensor.a', [1], {}, { acknowledge: true });
    await eventually(() => events.length === 1);
    expect(events[0]).toMatchObject({ topic: 'com.interop.typed.sensor.a', args: [1] });
  });

  it('a prefix registration of Autobahn|JS learns the procedure called from details.procedure', async () => {
    await js.session.register('com.interop.js.ops.', (_args, _kwargs, details) => details?.procedure, {
      match: 'prefix',
    } as autobahn.IRegisterOptions);
    expect((await typed.call('com.interop.js.ops.resize')).args).toEqual(['com.interop.js.ops.resize']);
  });
});
