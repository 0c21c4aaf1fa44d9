import { ErrorUri, InvalidArgumentError, MessageCode, type MessageOf } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreConfig } from '../src/realm/realm-config.js';
import { Router } from '../src/router.js';
import { ADVANCED, BASIC, cancel, client, failInvocation, yieldTo } from './dealer-fixtures.js';
import { expectCleanTraffic, expectError, FakeClock, type TestClient } from './harness.js';

afterEach(expectCleanTraffic);

const MAX_CONCURRENCY = 'crossbar.error.max_concurrency_reached';

function routerWith(store: Partial<StoreConfig>, clock = new FakeClock()): Router {
  return new Router({ realms: [{ name: 'realm1', store: { type: 'memory', ...store } }], clock });
}

const QUEUED = { 'call-queue': [{ uri: 'com.compute', match: 'exact' as const, limit: 3 }] };

/** The INVOCATIONs a callee got, in order, by their first argument. */
function invocations(callee: TestClient): MessageOf<'INVOCATION'>[] {
  return callee.take().map((m) => {
    expect(m.type).toBe('INVOCATION');
    return m as MessageOf<'INVOCATION'>;
  });
}

describe('call queue', () => {
  it('queues calls while the callee is at its concurrency, and sends them in order as it frees up', () => {
    const router = routerWith(QUEUED);
    const callee = client(router);
    callee.register('com.compute', { concurrency: 1 });
    const caller = client(router);
    const ids = [0, 1, 2, 3].map((n) => caller.call('com.compute', { args: [n] }));
    const first = invocations(callee);
    expect(first.map((i) => i.args)).toEqual([[0]]);
    expect(caller.take()).toEqual([]);
    expect(router.realm('realm1')?.dealer.queuedCallCount).toBe(3);

    const results: unknown[] = [];
    let current = first[0] as MessageOf<'INVOCATION'>;
    for (let n = 0; n < 4; n++) {
      yieldTo(callee, current.requestId, { args: current.args as unknown[] });
      const answer = caller.takeOne('RESULT');
      expect(answer.requestId).toBe(ids[n]);
      results.push(answer.args?.[0]);
      if (n < 3) current = invocations(callee)[0] as MessageOf<'INVOCATION'>;
    }
    expect(results).toEqual([0, 1, 2, 3]);
    expect(callee.take()).toEqual([]);
    expect(router.realm('realm1')?.dealer.queuedCallCount).toBe(0);
  });

  it('answers max_concurrency_reached once the queue is full', () => {
    const router = routerWith(QUEUED);
    const callee = client(router);
    callee.register('com.compute', { concurrency: 1 });
    const caller = client(router);
    for (let n = 0; n < 4; n++) caller.call('com.compute');
    expect(caller.take()).toEqual([]);
    const refused = caller.call('com.compute');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: refused, error: MAX_CONCURRENCY });
    expect(invocations(callee)).toHaveLength(1);
  });

  it('queues other registrations up to the store limit, and nothing in a realm without call-queue', () => {
    const router = routerWith({ limit: 2, 'call-queue': [{ uri: 'com.compute', limit: 10 }] });
    const callee = client(router);
    callee.register('com.other', { concurrency: 1 });
    const caller = client(router);
    for (let n = 0; n < 3; n++) caller.call('com.other');
    expect(caller.take()).toEqual([]);
    const refused = caller.call('com.other');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: refused, error: MAX_CONCURRENCY });
    callee.take();

    const plain = routerWith({ 'event-history': [{ uri: 'com.log' }] });
    const busy = client(plain);
    busy.register('com.compute', { concurrency: 1 });
    const calling = client(plain);
    calling.call('com.compute');
    const second = calling.call('com.compute');
    expectError(calling.take()[0], { requestType: MessageCode.CALL, requestId: second, error: MAX_CONCURRENCY });
    busy.take();
  });

  it('removes a canceled call from the queue: it never reaches the callee', () => {
    const router = routerWith(QUEUED);
    const callee = client(router);
    callee.register('com.compute', { concurrency: 1 });
    const caller = client(router);
    caller.call('com.compute', { args: ['a'] });
    const b = caller.call('com.compute', { args: ['b'] });
    const c = caller.call('com.compute', { args: ['c'] });
    const running = invocations(callee)[0] as MessageOf<'INVOCATION'>;
    cancel(caller, b, { mode: 'kill' });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: b, error: ErrorUri.CANCELED });
    yieldTo(callee, running.requestId);
    caller.takeOne('RESULT');
    const next = invocations(callee);
    expect(next.map((i) => i.args)).toEqual([['c']]);
    yieldTo(callee, (next[0] as MessageOf<'INVOCATION'>).requestId);
    expect(caller.takeOne('RESULT').requestId).toBe(c);
  });

  it('forgets the queued calls of a caller that leaves', () => {
    const router = routerWith(QUEUED);
    const callee = client(router);
    callee.register('com.compute', { concurrency: 1 });
    const leaving = client(router);
    const staying = client(router);
    leaving.call('com.compute', { args: ['x'] });
    leaving.call('com.compute', { args: ['y'] });
    const mine = staying.call('com.compute', { args: ['z'] });
    const running = invocations(callee)[0] as MessageOf<'INVOCATION'>;
    leaving.connection.transportClosed();
    // The running call's callee announced call canceling: it is interrupted; its slot goes to 'z'.
    const next = callee.take();
    expect(next.map((m) => m.type)).toEqual(['INTERRUPT', 'INVOCATION']);
    expect((next[1] as MessageOf<'INVOCATION'>).args).toEqual(['z']);
    expect(running.args).toEqual(['x']);
    yieldTo(callee, (next[1] as MessageOf<'INVOCATION'>).requestId);
    expect(staying.takeOne('RESULT').requestId).toBe(mine);
    expect(router.realm('realm1')?.dealer.queuedCallCount).toBe(0);
  });

  it('fails queued calls with canceled when the last callee leaves, and a timeout ends a queued call', () => {
    const clock = new FakeClock();
    const router = routerWith(QUEUED, clock);
    const callee = client(router, BASIC);
    callee.register('com.compute', { concurrency: 1 });
    const caller = client(router);
    caller.call('com.compute');
    // Crossbar's unit for a caller that did not announce call_timeout... this one did: ms.
    const timed = caller.call('com.compute', { options: { timeout: 50 } });
    const waiting = caller.call('com.compute');
    callee.take();
    clock.advance(50);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: timed, error: ErrorUri.TIMEOUT });
    callee.connection.transportClosed();
    const errors = caller.take();
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => (e as MessageOf<'ERROR'>).error)).toEqual([ErrorUri.CANCELED, ErrorUri.CANCELED]);
    expect(errors.some((e) => (e as MessageOf<'ERROR'>).requestId === waiting)).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('hands queued calls to a callee that registers, and to the next round-robin callee with room', () => {
    const router = routerWith({ 'call-queue': [{ uri: 'com.compute', limit: 10 }] });
    const a = client(router);
    a.register('com.compute', { invoke: 'roundrobin', concurrency: 1 });
    const caller = client(router);
    for (let n = 0; n < 3; n++) caller.call('com.compute', { args: [n] });
    expect(invocations(a).map((i) => i.args)).toEqual([[0]]);
    const b = client(router);
    b.receive({
      type: 'REGISTER',
      requestId: 1,
      options: { invoke: 'roundrobin', concurrency: 1 },
      procedure: 'com.compute',
    });
    const got = b.take();
    expect(got.map((m) => m.type)).toEqual(['REGISTERED', 'INVOCATION']);
    expect((got[1] as MessageOf<'INVOCATION'>).args).toEqual([1]);
    expect(router.realm('realm1')?.dealer.queuedCallCount).toBe(1);
  });

  it('frees the slot of a callee that answered with an error', () => {
    const router = routerWith(QUEUED);
    const callee = client(router);
    callee.register('com.compute', { concurrency: 1 });
    const caller = client(router);
    const first = caller.call('com.compute');
    caller.call('com.compute', { args: ['second'] });
    const running = invocations(callee)[0] as MessageOf<'INVOCATION'>;
    failInvocation(callee, running.requestId, 'com.error.failed');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: first, error: 'com.error.failed' });
    expect(invocations(callee).map((i) => i.args)).toEqual([['second']]);
  });

  it('aborts a CALL that reuses the request ID of a queued call', () => {
    const router = routerWith(QUEUED);
    const callee = client(router);
    callee.register('com.compute', { concurrency: 1 });
    const caller = client(router, ADVANCED);
    caller.call('com.compute');
    const queued = caller.call('com.compute');
    caller.receive({ type: 'CALL', requestId: queued, options: {}, procedure: 'com.compute' });
    expect(caller.takeOne('ABORT').reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
    callee.take();
  });

  it('refuses malformed entries', () => {
    expect(() => routerWith({ 'call-queue': [{ uri: 'com..x' }] })).toThrow(InvalidArgumentError);
    expect(() => routerWith({ 'call-queue': [{ uri: 'com.x', limit: 0 }] })).toThrow(InvalidArgumentError);
    expect(() => routerWith({ 'call-queue': [{ uri: 'com.x' }, { uri: 'com.x' }] })).toThrow(InvalidArgumentError);
  });
});
