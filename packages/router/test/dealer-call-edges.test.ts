import { ErrorUri, MessageCode } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { ADVANCED, BASIC, callWithId, cancel, client, failInvocation, features } from './dealer-fixtures.js';
import { expectCleanTraffic, expectError, FakeClock, type TestClient } from './harness.js';

let router: Router;
let clock: FakeClock;

beforeEach(() => {
  clock = new FakeClock();
  router = new Router({ realms: [{ name: 'realm1' }], clock });
});
afterEach(expectCleanTraffic);

function shared(invoke: string, roles: Record<string, unknown>[]): TestClient[] {
  const callees = roles.map((r) => client(router, r));
  for (const callee of callees) callee.register('com.p', { invoke });
  return callees;
}

describe('progressive invocation errors', () => {
  it('aborts a continuation for another procedure, or after the final chunk', () => {
    const [callee] = shared('single', [ADVANCED]) as [TestClient];
    const a = client(router);
    callWithId(a, 1, 'com.p', { progress: true });
    callWithId(a, 1, 'com.other', { progress: true });
    expect(a.takeOne('ABORT').reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
    callee.take();

    const b = client(router);
    callWithId(b, 1, 'com.p', { progress: true });
    callWithId(b, 1, 'com.p', {});
    callWithId(b, 1, 'com.p', { progress: true });
    expect(b.takeOne('ABORT').reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
  });

  it('fails the call with canceled when the callee leaves mid-stream, and drops later chunks', () => {
    const [callee] = shared('single', [ADVANCED]) as [TestClient];
    const caller = client(router);
    callWithId(caller, 7, 'com.p', { progress: true }, ['a']);
    callee.take();
    callee.connection.transportClosed();
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: 7, error: ErrorUri.CANCELED });
    callWithId(caller, 7, 'com.p', {}, ['b']);
    expect(caller.take()).toEqual([]);
    expect(caller.peer.closed).toBe(false);
  });

  it('stops forwarding chunks once the caller canceled with kill', () => {
    const [callee] = shared('single', [ADVANCED]) as [TestClient];
    const caller = client(router);
    callWithId(caller, 3, 'com.p', { progress: true }, ['a']);
    callee.take();
    cancel(caller, 3, { mode: 'kill' });
    expect(callee.takeOne('INTERRUPT').options.mode).toBe('kill');
    callWithId(caller, 3, 'com.p', { progress: true }, ['b']);
    expect(callee.take()).toEqual([]);
    failInvocation(callee, 1, ErrorUri.CANCELED);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: 3, error: ErrorUri.CANCELED });
  });

  it('does not re-route a stream once a second chunk went to the callee', () => {
    const [first, second] = shared('roundrobin', [ADVANCED, ADVANCED]) as [TestClient, TestClient];
    const caller = client(router);
    callWithId(caller, 1, 'com.p', { progress: true }, ['a']);
    callWithId(caller, 1, 'com.p', { progress: true }, ['b']);
    expect(first.take()).toHaveLength(2);
    failInvocation(first, 1, ErrorUri.UNAVAILABLE);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId: 1, error: ErrorUri.UNAVAILABLE });
    expect(second.take()).toEqual([]);
  });

  it('re-routes a stream with one chunk sent, still open, to another callee', () => {
    const [first, second] = shared('roundrobin', [ADVANCED, ADVANCED]) as [TestClient, TestClient];
    const caller = client(router);
    callWithId(caller, 1, 'com.p', { progress: true }, ['a']);
    failInvocation(first, first.takeOne('INVOCATION').requestId, ErrorUri.UNAVAILABLE);
    expect(second.takeOne('INVOCATION')).toMatchObject({ args: ['a'], details: { progress: true } });
    callWithId(caller, 1, 'com.p', {}, ['b']);
    expect(second.takeOne('INVOCATION')).toMatchObject({ args: ['b'], details: {} });
    expect(first.take()).toEqual([]);
  });
});

describe('re-routing and features', () => {
  it('passes over a callee that cannot take the call and tells the next one the caller if it asked', () => {
    const [basic, advanced] = shared('first', [{ callee: {} }, ADVANCED]) as [TestClient, TestClient];
    const discloser = client(router, ADVANCED);
    discloser.register('com.q', { invoke: 'first', disclose_caller: true });
    basic.register('com.q', { invoke: 'first' });
    const caller = client(router);
    callWithId(caller, 1, 'com.p', { progress: true });
    // The first callee by policy cannot take progressive input: feature_not_supported at once.
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: 1,
      error: ErrorUri.FEATURE_NOT_SUPPORTED,
    });
    expect(basic.take()).toEqual([]);
    expect(advanced.take()).toEqual([]);

    // com.q: discloser (disclose_caller) first, then basic.
    caller.call('com.q');
    failInvocation(discloser, discloser.takeOne('INVOCATION').requestId, ErrorUri.UNAVAILABLE);
    expect(basic.takeOne('INVOCATION').details).toEqual({});
  });

  it('answers max_concurrency_reached when the remaining callees are all busy', () => {
    const callees = [client(router), client(router)];
    for (const callee of callees) callee.register('com.p', { invoke: 'roundrobin', concurrency: 1 });
    const [a, b] = callees as [TestClient, TestClient];
    const caller = client(router);
    const first = caller.call('com.p');
    caller.call('com.p');
    const ia = a.takeOne('INVOCATION');
    b.take();
    failInvocation(a, ia.requestId, ErrorUri.UNAVAILABLE);
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: first,
      error: 'crossbar.error.max_concurrency_reached',
    });
  });
});

describe('leaving and timeouts together', () => {
  it('sends nothing to a session that leaves while calling itself', () => {
    const session = client(router);
    session.register('com.self');
    session.call('com.self', { options: { timeout: 100 } });
    session.take();
    session.connection.transportClosed();
    expect(session.take()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('times out a call whose kill cancel the callee never answers, and drops its late answer', () => {
    const [callee] = shared('single', [ADVANCED]) as [TestClient];
    const caller = client(router);
    const requestId = caller.call('com.p', { options: { timeout: 50 } });
    const invocation = callee.takeOne('INVOCATION');
    cancel(caller, requestId, { mode: 'kill' });
    callee.takeOne('INTERRUPT');
    clock.advance(50);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
    expect(callee.take()).toEqual([]);
    failInvocation(callee, invocation.requestId, ErrorUri.CANCELED);
    expect(caller.take()).toEqual([]);
  });

  it('clears the timer of a call whose caller leaves', () => {
    const [callee] = shared('single', [BASIC]) as [TestClient];
    const caller = client(router);
    caller.call('com.p', { options: { timeout: 100 } });
    callee.take();
    caller.connection.transportClosed();
    expect(clock.pending).toBe(0);
  });

  it('refuses a passthru progressive result for a caller without passthru and interrupts the callee', () => {
    const ppt = features('payload_passthru_mode', 'call_canceling', 'progressive_call_results');
    const callee = client(router, { callee: ppt });
    callee.register('com.ppt');
    const caller = client(router);
    const requestId = caller.call('com.ppt', { options: { receive_progress: true } });
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({
      type: 'YIELD',
      requestId: invocation.requestId,
      options: { progress: true, ppt_scheme: 'x_custom' },
      payload: 'p',
    });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.FEATURE_NOT_SUPPORTED });
    expect(callee.takeOne('INTERRUPT').options.mode).toBe('killnowait');
  });
});
