/**
 * The dealer counts the INVOCATIONs and RESULTs it sends itself (dealer/call-message-count.ts),
 * where `RouterSession.send` counted them; the counts must be exactly those of counting each
 * message as it is handed to a transport: through progressive results and invocations, errors,
 * cancel, re-routing, call queues, a transport that refuses a message, and either side leaving.
 * Each test compares the router's sent counts with what the peers were handed, type by type.
 */
import { ErrorUri, type MessageName, type MessageOf, type WampMessage } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { callWithId, cancel, client, failInvocation, yieldTo } from './dealer-fixtures.js';
import { expectCleanTraffic, FakeClock, type TestClient } from './harness.js';

afterEach(expectCleanTraffic);

/** Messages the transports were handed, by type: what the peers recorded, plus what they refused. */
function handedOver(clients: TestClient[], refused: WampMessage[]): Map<MessageName, number> {
  const counts = new Map<MessageName, number>();
  for (const message of [...clients.flatMap((c) => c.peer.sent), ...refused]) {
    counts.set(message.type, (counts.get(message.type) ?? 0) + 1);
  }
  return counts;
}

/** The router's sent counts equal what was handed over, for every type. */
function expectExactCounts(router: Router, clients: TestClient[], refused: WampMessage[] = []): void {
  const counted = Object.entries(router.stats.sentCounts()).filter(([, n]) => n > 0);
  expect(new Map(counted)).toEqual(handedOver(clients, refused));
}

/** The INVOCATION the callee got last. */
function lastInvocation(callee: TestClient): MessageOf<'INVOCATION'> {
  const invocation = callee
    .take()
    .filter((m) => m.type === 'INVOCATION')
    .at(-1);
  if (invocation === undefined) throw new Error('no INVOCATION');
  return invocation as MessageOf<'INVOCATION'>;
}

/** Makes `client`'s transport refuse (return a reason for) the messages `refuse` picks. */
function refusing(client: TestClient, refuse: (m: WampMessage) => boolean, refused: WampMessage[]): void {
  const send = client.peer.send.bind(client.peer);
  client.peer.send = (message: WampMessage) => {
    if (!refuse(message)) return send(message);
    refused.push(message);
    return 'is nested too deeply' as unknown as undefined;
  };
}

describe('call message counts', () => {
  it('count calls, progressive results and progressive invocations, errors and re-routing exactly', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const callee = client(router);
    const other = client(router);
    callee.register('com.example.add');
    callee.register('com.example.shared', { invoke: 'first' });
    other.register('com.example.shared', { invoke: 'first' });
    const caller = client(router);

    // A plain call.
    caller.call('com.example.add', { args: [1, 2] });
    yieldTo(callee, lastInvocation(callee).requestId, { args: [3] });
    // Two progressive results, then the final one.
    caller.call('com.example.add', { options: { receive_progress: true } });
    const progressive = lastInvocation(callee).requestId;
    yieldTo(callee, progressive, { options: { progress: true }, args: [1] });
    yieldTo(callee, progressive, { options: { progress: true }, args: [2] });
    yieldTo(callee, progressive, { args: [3] });
    // A progressive result the caller did not ask for: not forwarded, not counted.
    caller.call('com.example.add');
    const unasked = lastInvocation(callee).requestId;
    yieldTo(callee, unasked, { options: { progress: true } });
    yieldTo(callee, unasked);
    // Progressive invocations: three chunks, one answer.
    const chunked = caller.nextId();
    callWithId(caller, chunked, 'com.example.add', { progress: true }, [1]);
    const chunkedInvocation = lastInvocation(callee).requestId;
    callWithId(caller, chunked, 'com.example.add', { progress: true }, [2]);
    callWithId(caller, chunked, 'com.example.add', {}, [3]);
    yieldTo(callee, chunkedInvocation);
    // The callee's error.
    caller.call('com.example.add');
    failInvocation(callee, lastInvocation(callee).requestId, 'com.example.error.overflow');
    // Re-routed on `unavailable`: two INVOCATIONs, one RESULT.
    caller.call('com.example.shared');
    failInvocation(callee, lastInvocation(callee).requestId, ErrorUri.UNAVAILABLE);
    yieldTo(other, lastInvocation(other).requestId);
    // No such procedure: an ERROR from the router, no INVOCATION.
    caller.call('com.example.nobody');

    const sent = handedOver([caller, callee, other], []);
    expect(sent.get('INVOCATION')).toBe(9);
    expect(sent.get('RESULT')).toBe(7);
    expectExactCounts(router, [caller, callee, other]);
  });

  it('count cancel in every mode, a call timeout, and either side leaving mid-call', () => {
    const clock = new FakeClock();
    const router = new Router({ realms: [{ name: 'realm1' }], clock });
    const callee = client(router);
    callee.register('com.example.slow');
    const caller = client(router);
    const leaving = client(router);

    for (const mode of ['skip', 'kill', 'killnowait']) {
      const id = caller.call('com.example.slow');
      const invocation = lastInvocation(callee).requestId;
      cancel(caller, id, { mode });
      // The callee answers after all: with `kill` its RESULT ends the call, otherwise it is dropped.
      yieldTo(callee, invocation);
    }
    caller.call('com.example.slow', { options: { timeout: 50 } });
    clock.advance(100);
    // The caller leaves: the callee is interrupted, its late answer goes nowhere.
    leaving.call('com.example.slow');
    const orphan = lastInvocation(callee).requestId;
    leaving.connection.transportClosed();
    yieldTo(callee, orphan);
    // The callee leaves: the caller gets `canceled`.
    const gone = client(router);
    gone.register('com.example.gone');
    caller.call('com.example.gone');
    gone.connection.transportClosed();

    expect(handedOver([caller, callee], []).get('RESULT')).toBe(1);
    expectExactCounts(router, [caller, callee, leaving, gone]);
  });

  it('count an INVOCATION or RESULT the transport refused, and the ERROR sent instead', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const callee = client(router);
    callee.register('com.example.echo');
    const caller = client(router);
    const refused: WampMessage[] = [];
    refusing(callee, (m) => m.type === 'INVOCATION' && (m.args?.[0] as string) === 'deep', refused);
    refusing(caller, (m) => m.type === 'RESULT' && (m.args?.[0] as string) === 'deep', refused);

    caller.call('com.example.echo', { args: ['deep'] });
    caller.call('com.example.echo', { args: ['flat'] });
    yieldTo(callee, lastInvocation(callee).requestId, { args: ['deep'] });
    caller.call('com.example.echo', { options: { receive_progress: true }, args: ['flat'] });
    const progressive = lastInvocation(callee).requestId;
    yieldTo(callee, progressive, { options: { progress: true }, args: ['deep'] });

    expect(refused.map((m) => m.type)).toEqual(['INVOCATION', 'RESULT', 'RESULT']);
    expect(caller.peer.sent.filter((m) => m.type === 'ERROR')).toHaveLength(3);
    expectExactCounts(router, [caller, callee], refused);
  });

  it('count calls that waited in a call queue', () => {
    const router = new Router({
      realms: [
        {
          name: 'realm1',
          store: { type: 'memory', 'call-queue': [{ uri: 'com.example.queued', match: 'exact', limit: 3 }] },
        },
      ],
    });
    const callee = client(router);
    callee.register('com.example.queued', { concurrency: 1 });
    const caller = client(router);
    const ids = [0, 1, 2].map((n) => caller.call('com.example.queued', { args: [n] }));
    // One queued call is canceled before it runs.
    cancel(caller, ids[2] as number, { mode: 'skip' });
    yieldTo(callee, lastInvocation(callee).requestId);
    yieldTo(callee, lastInvocation(callee).requestId);

    expect(caller.peer.sent.filter((m) => m.type === 'RESULT')).toHaveLength(2);
    expectExactCounts(router, [caller, callee]);
  });

  it('count the INVOCATION to a callee whose transport closes while it is handed over', () => {
    const router = new Router({ realms: [{ name: 'realm1' }] });
    const callee = client(router);
    callee.register('com.example.fragile');
    const caller = client(router);
    const send = callee.peer.send.bind(callee.peer);
    callee.peer.send = (message: WampMessage) => {
      send(message);
      if (message.type === 'INVOCATION') callee.connection.transportClosed();
    };

    caller.call('com.example.fragile');
    caller.call('com.example.fragile');

    expect(callee.peer.sent.filter((m) => m.type === 'INVOCATION')).toHaveLength(1);
    expectExactCounts(router, [caller, callee]);
  });
});
