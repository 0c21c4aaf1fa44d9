import { ErrorUri, MessageCode } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { BASIC, cancel, client, failInvocation, features, yieldTo } from './dealer-fixtures.js';
import { expectCleanTraffic, expectError, FakeClock, type TestClient } from './harness.js';

let router: Router;
let clock: FakeClock;

beforeEach(() => {
  clock = new FakeClock();
  router = new Router({ realms: [{ name: 'realm1' }], clock });
});
afterEach(expectCleanTraffic);

/** A callee (advanced unless told) with `com.work` registered, and an advanced caller. */
function pair(calleeRoles?: Record<string, unknown>, registerOptions: Record<string, unknown> = {}) {
  const callee = client(router, calleeRoles);
  callee.register('com.work', registerOptions);
  const caller = client(router);
  return { callee, caller };
}

describe('progressive call results', () => {
  it('forwards progressive YIELDs as progressive RESULTs, and the final YIELD ends the call', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work', { options: { receive_progress: true }, args: [2010] });
    const invocation = callee.takeOne('INVOCATION');
    expect(invocation.details).toEqual({ receive_progress: true });
    yieldTo(callee, invocation.requestId, { options: { progress: true }, args: ['Y2010', 120] });
    yieldTo(callee, invocation.requestId, { options: { progress: true } });
    yieldTo(callee, invocation.requestId, { args: ['Total', 490] });
    expect(caller.take()).toEqual([
      { type: 'RESULT', requestId, details: { progress: true }, args: ['Y2010', 120] },
      { type: 'RESULT', requestId, details: { progress: true } },
      { type: 'RESULT', requestId, details: {}, args: ['Total', 490] },
    ]);
    yieldTo(callee, invocation.requestId, { options: { progress: true } });
    expect(caller.take()).toEqual([]);
  });

  it('does not forward progressive YIELDs to a caller that did not ask for them', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work');
    const invocation = callee.takeOne('INVOCATION');
    yieldTo(callee, invocation.requestId, { options: { progress: true }, args: ['partial'] });
    expect(caller.take()).toEqual([]);
    expect(callee.peer.closed).toBe(false);
    yieldTo(callee, invocation.requestId, { args: ['final'] });
    expect(caller.takeOne('RESULT')).toEqual({ type: 'RESULT', requestId, details: {}, args: ['final'] });
  });

  it('interrupts a callee streaming results when the caller leaves', () => {
    const { callee, caller } = pair();
    caller.call('com.work', { options: { receive_progress: true } });
    const invocation = callee.takeOne('INVOCATION');
    yieldTo(callee, invocation.requestId, { options: { progress: true } });
    caller.connection.transportClosed();
    expect(callee.takeOne('INTERRUPT')).toEqual({
      type: 'INTERRUPT',
      requestId: invocation.requestId,
      options: { mode: 'killnowait', reason: ErrorUri.CANCELED },
    });
    yieldTo(callee, invocation.requestId, { options: { progress: true } });
    expect(callee.peer.closed).toBe(false);
  });
});

describe('progressive call invocations', () => {
  it('routes every chunk to the same callee under one INVOCATION request ID', () => {
    const callees = [client(router), client(router)];
    for (const callee of callees) callee.register('com.upload', { invoke: 'roundrobin' });
    const caller = client(router);
    const requestId = caller.nextId();
    const send = (options: Record<string, unknown>, chunk: string) =>
      caller.receive({ type: 'CALL', requestId, options, procedure: 'com.upload', args: [chunk] });
    send({ progress: true, disclose_me: true }, 'a');
    send({ progress: true }, 'b');
    send({}, 'c');
    const [first, second] = callees as [TestClient, TestClient];
    expect(second.take()).toEqual([]);
    const invocations = first.take() as { requestId: number; details: Record<string, unknown>; args: unknown[] }[];
    expect(invocations.map((i) => [i.requestId, i.args[0], i.details.progress])).toEqual([
      [1, 'a', true],
      [1, 'b', true],
      [1, 'c', undefined],
    ]);
    // Options of the first CALL hold for the whole call ("Freezing of Options").
    expect(invocations.every((i) => i.details.caller === caller.sessionId)).toBe(true);
    yieldTo(first, 1, { args: ['abc'] });
    expect(caller.takeOne('RESULT')).toMatchObject({ requestId, args: ['abc'] });
  });

  it('discards a continuation that arrives after the call ended', () => {
    const { callee, caller } = pair();
    const requestId = caller.nextId();
    caller.receive({ type: 'CALL', requestId, options: { progress: true }, procedure: 'com.work' });
    const invocation = callee.takeOne('INVOCATION');
    failInvocation(callee, invocation.requestId, 'com.error.bad_chunk');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: 'com.error.bad_chunk' });
    caller.receive({ type: 'CALL', requestId, options: { progress: true }, procedure: 'com.work' });
    expect(callee.take()).toEqual([]);
    expect(caller.take()).toEqual([]);
    expect(caller.peer.closed).toBe(false);
  });

  it('answers feature_not_supported when the callee lacks progressive invocations or canceling', () => {
    const { callee, caller } = pair(BASIC);
    const requestId = caller.nextId();
    caller.receive({ type: 'CALL', requestId, options: { progress: true }, procedure: 'com.work' });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.FEATURE_NOT_SUPPORTED });
    expect(callee.take()).toEqual([]);
    const other = client(router, { callee: features('progressive_call_invocations') });
    other.register('com.other');
    const second = caller.nextId();
    caller.receive({ type: 'CALL', requestId: second, options: { progress: true }, procedure: 'com.other' });
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: second,
      error: ErrorUri.FEATURE_NOT_SUPPORTED,
    });
  });

  it('aborts a caller that sends progress without announcing progressive_call_invocations', () => {
    pair();
    const caller = client(router, BASIC);
    caller.receive({ type: 'CALL', requestId: 1, options: { progress: true }, procedure: 'com.work' });
    expect(caller.takeOne('ABORT').reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
  });

  it('aborts a caller that reuses the request ID of a call in progress for a new call', () => {
    const { caller } = pair();
    const requestId = caller.call('com.work');
    caller.receive({ type: 'CALL', requestId, options: {}, procedure: 'com.work' });
    expect(caller.takeOne('ABORT').reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
  });

  it('interrupts the callee when the caller leaves mid-stream', () => {
    const { callee, caller } = pair();
    caller.receive({ type: 'CALL', requestId: 1, options: { progress: true }, procedure: 'com.work' });
    const invocation = callee.takeOne('INVOCATION');
    caller.connection.transportClosed();
    expect(callee.takeOne('INTERRUPT')).toMatchObject({
      requestId: invocation.requestId,
      options: { mode: 'killnowait' },
    });
  });
});

describe('call canceling', () => {
  it('skip: the caller gets canceled at once, the callee is not told and its answer is dropped', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work');
    const invocation = callee.takeOne('INVOCATION');
    cancel(caller, requestId, { mode: 'skip' });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.CANCELED });
    expect(callee.take()).toEqual([]);
    yieldTo(callee, invocation.requestId);
    expect(caller.take()).toEqual([]);
  });

  it('kill: INTERRUPT to the callee, and its answer, ERROR or RESULT, ends the call', () => {
    const { callee, caller } = pair();
    const first = caller.call('com.work');
    const i1 = callee.takeOne('INVOCATION');
    cancel(caller, first, { mode: 'kill' });
    expect(callee.takeOne('INTERRUPT')).toEqual({
      type: 'INTERRUPT',
      requestId: i1.requestId,
      options: { mode: 'kill', reason: ErrorUri.CANCELED },
    });
    expect(caller.take()).toEqual([]);
    cancel(caller, first, { mode: 'kill' });
    expect(callee.take()).toEqual([]);
    failInvocation(callee, i1.requestId, ErrorUri.CANCELED, ['stopped']);
    expect(caller.takeOne('ERROR')).toMatchObject({ requestId: first, error: ErrorUri.CANCELED, args: ['stopped'] });

    const second = caller.call('com.work', { options: { receive_progress: true } });
    const i2 = callee.takeOne('INVOCATION');
    cancel(caller, second, { mode: 'kill' });
    callee.take();
    // It finished before it saw the INTERRUPT: the caller gets the result (spec: "may receive RESULT or ERROR").
    yieldTo(callee, i2.requestId, { options: { progress: true } });
    yieldTo(callee, i2.requestId, { args: ['done'] });
    expect(caller.takeOne('RESULT')).toMatchObject({ requestId: second, details: {}, args: ['done'] });
  });

  it('killnowait (the default): ERROR at once, INTERRUPT to the callee, its answer dropped', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work');
    const invocation = callee.takeOne('INVOCATION');
    cancel(caller, requestId);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.CANCELED });
    expect(callee.takeOne('INTERRUPT').options).toEqual({ mode: 'killnowait', reason: ErrorUri.CANCELED });
    failInvocation(callee, invocation.requestId, ErrorUri.CANCELED);
    expect(caller.take()).toEqual([]);
    expect(callee.peer.closed).toBe(false);
  });

  it('treats kill as skip for a callee without call_canceling', () => {
    const { callee, caller } = pair(BASIC);
    const requestId = caller.call('com.work');
    callee.take();
    cancel(caller, requestId, { mode: 'kill' });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.CANCELED });
    expect(callee.take()).toEqual([]);
  });

  it('ignores CANCEL for an unknown or finished call', () => {
    const { callee, caller } = pair();
    cancel(caller, 999);
    const requestId = caller.call('com.work');
    yieldTo(callee, callee.takeOne('INVOCATION').requestId);
    caller.takeOne('RESULT');
    cancel(caller, requestId);
    expect(caller.take()).toEqual([]);
    expect(callee.take()).toEqual([]);
    expect(caller.peer.closed).toBe(false);
  });

  it('aborts a CANCEL with an unknown mode', () => {
    const { caller } = pair();
    const requestId = caller.call('com.work');
    cancel(caller, requestId, { mode: 'nuke' });
    expect(caller.takeOne('ABORT').reason).toBe(ErrorUri.PROTOCOL_VIOLATION);
  });

  it('does not interrupt a callee without call_canceling when the caller leaves', () => {
    const { callee, caller } = pair(BASIC, { concurrency: 1 });
    caller.call('com.work');
    const invocation = callee.takeOne('INVOCATION');
    caller.connection.transportClosed();
    expect(callee.take()).toEqual([]);
    // It still holds its one slot until it answers.
    const other = client(router);
    const busy = other.call('com.work');
    expectError(other.take()[0], {
      requestType: MessageCode.CALL,
      requestId: busy,
      error: 'crossbar.error.max_concurrency_reached',
    });
    yieldTo(callee, invocation.requestId);
    other.call('com.work');
    expect(callee.takeOne('INVOCATION').requestId).toBe(2);
  });
});

describe('call timeout', () => {
  it('answers wamp.error.timeout on time and interrupts the callee', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work', { options: { timeout: 1000 } });
    const invocation = callee.takeOne('INVOCATION');
    expect(invocation.details).toEqual({});
    clock.advance(999);
    expect(caller.take()).toEqual([]);
    clock.advance(1);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
    expect(callee.takeOne('INTERRUPT')).toEqual({
      type: 'INTERRUPT',
      requestId: invocation.requestId,
      options: { mode: 'killnowait', reason: ErrorUri.TIMEOUT },
    });
    yieldTo(callee, invocation.requestId);
    expect(caller.take()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('does not fire once the call was answered, nor for timeout 0', () => {
    const { callee, caller } = pair();
    caller.call('com.work', { options: { timeout: 500 } });
    yieldTo(callee, callee.takeOne('INVOCATION').requestId);
    caller.takeOne('RESULT');
    caller.call('com.work', { options: { timeout: 0 } });
    callee.take();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(caller.take()).toEqual([]);
  });

  it('restarts between progressive results', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work', { options: { timeout: 100, receive_progress: true } });
    const invocation = callee.takeOne('INVOCATION');
    clock.advance(90);
    yieldTo(callee, invocation.requestId, { options: { progress: true } });
    clock.advance(90);
    yieldTo(callee, invocation.requestId, { options: { progress: true } });
    expect(caller.take()).toHaveLength(2);
    clock.advance(100);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
  });

  it("reads a caller's timeout in seconds when it did not announce call_timeout, as Crossbar does", () => {
    // Autobahn|Python announces no call_timeout and documents seconds: timeout=2 means 2 s.
    const callee = client(router);
    callee.register('com.work');
    const caller = client(router, BASIC);
    const requestId = caller.call('com.work', { options: { timeout: 2 } });
    callee.take();
    clock.advance(1999);
    expect(caller.take()).toEqual([]);
    clock.advance(1);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
    callee.take();
  });

  it('waits at most 2^31 - 1 ms for a longer timeout instead of firing at once', () => {
    const callee = client(router);
    callee.register('com.work');
    const caller = client(router, BASIC);
    const requestId = caller.call('com.work', { options: { timeout: 10_000_000 } });
    callee.take();
    clock.advance(2 ** 31 - 2);
    expect(caller.take()).toEqual([]);
    clock.advance(1);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
    callee.take();
  });

  it('reads it in milliseconds in a realm whose dialect says so', () => {
    router = new Router({ realms: [{ name: 'realm1', dialect: { unannouncedCallTimeout: 'milliseconds' } }], clock });
    const callee = client(router);
    callee.register('com.work');
    const caller = client(router, BASIC);
    const requestId = caller.call('com.work', { options: { timeout: 2 } });
    callee.take();
    clock.advance(2);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
    callee.take();
  });

  it('times out without INTERRUPT for a callee without call_canceling', () => {
    const { callee, caller } = pair(BASIC);
    const requestId = caller.call('com.work', { options: { timeout: 10 } });
    callee.take();
    clock.advance(10);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.TIMEOUT });
    expect(callee.take()).toEqual([]);
  });

  it('forwards the timeout to a callee that handles it (call_timeout and forward_timeout)', () => {
    const { callee, caller } = pair(undefined, { forward_timeout: true });
    caller.call('com.work', { options: { timeout: 250 } });
    expect(callee.takeOne('INVOCATION').details).toEqual({ timeout: 250 });
    expect(clock.pending).toBe(0);
  });

  it.each([-1, 1.5, '100'])('refuses timeout %j with invalid_argument and routes nothing', (timeout) => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work', { options: { timeout } });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.INVALID_ARGUMENT });
    expect(callee.take()).toEqual([]);
    caller.call('com.work');
    expect(callee.take()).toHaveLength(1);
  });
});

describe('call re-routing', () => {
  function shared(invoke: string, count: number): TestClient[] {
    const callees = Array.from({ length: count }, () => client(router));
    for (const callee of callees) callee.register('com.ha', { invoke });
    return callees;
  }

  it('passes a call answered unavailable to the next callee, then no_available_callee', () => {
    const callees = shared('roundrobin', 3);
    const caller = client(router);
    for (const callee of callees) callee.take();
    const requestId = caller.call('com.ha', { args: ['job'] });
    const order: number[] = [];
    for (let step = 0; step < 3; step++) {
      const received = callees.map((callee) => callee.take());
      expect(received.flat()).toHaveLength(1);
      const index = received.findIndex((messages) => messages.length > 0);
      const invocation = received[index]?.[0] as { requestId: number; args: unknown[] };
      expect(invocation.args).toEqual(['job']);
      order.push(index);
      failInvocation(callees[index] as TestClient, invocation.requestId, ErrorUri.UNAVAILABLE);
    }
    expect(new Set(order).size).toBe(3);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NO_AVAILABLE_CALLEE });
  });

  it('answers no_available_callee at once for a single registration', () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.work');
    failInvocation(callee, callee.takeOne('INVOCATION').requestId, ErrorUri.UNAVAILABLE);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NO_AVAILABLE_CALLEE });
  });

  it('goes from first to the one registered after it, and from last to the one before', () => {
    const firsts = shared('first', 3);
    const caller = client(router);
    for (const callee of firsts) callee.take();
    caller.call('com.ha');
    failInvocation(
      firsts[0] as TestClient,
      (firsts[0] as TestClient).takeOne('INVOCATION').requestId,
      ErrorUri.UNAVAILABLE,
    );
    expect((firsts[1] as TestClient).take()).toHaveLength(1);
    expect((firsts[2] as TestClient).take()).toEqual([]);
  });

  it('forwards any other error unchanged', () => {
    const callees = shared('roundrobin', 2);
    for (const callee of callees) callee.take();
    const caller = client(router);
    const requestId = caller.call('com.ha');
    const [first] = callees as [TestClient];
    failInvocation(first, first.takeOne('INVOCATION').requestId, 'com.error.busy');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: 'com.error.busy' });
  });
});
