import { ErrorUri, MessageCode, type WampMessage } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Router } from '../src/router.js';
import { ALL_ROLES, expectAbort, expectCleanTraffic, expectError, join, type TestClient } from './harness.js';

let router: Router;

beforeEach(() => {
  router = new Router({ realms: [{ name: 'realm1' }] });
});
afterEach(expectCleanTraffic);

/** A callee with `procedure` registered, and a caller. */
function pair(procedure = 'com.example.add', roles?: { caller?: object; callee?: object }) {
  const callee = join(router, 'realm1', roles?.callee ? { roles: roles.callee as Record<string, unknown> } : {});
  const registration = callee.register(procedure);
  const caller = join(router, 'realm1', roles?.caller ? { roles: roles.caller as Record<string, unknown> } : {});
  return { callee, caller, registration };
}

describe('calls', () => {
  it('routes CALL to INVOCATION and YIELD to RESULT, payloads untouched', () => {
    const { callee, caller, registration } = pair();
    const kwargs = { scale: 2, opts: { round: true } };
    const requestId = caller.call('com.example.add', { args: [23, 7], kwargs });
    const invocation = callee.takeOne('INVOCATION');
    expect(invocation).toEqual({
      type: 'INVOCATION',
      requestId: 1,
      registration,
      details: {},
      args: [23, 7],
      kwargs,
    });
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [60], kwargs: { unit: 'x' } });
    expect(caller.takeOne('RESULT')).toEqual({
      type: 'RESULT',
      requestId,
      details: {},
      args: [60],
      kwargs: { unit: 'x' },
    });
  });

  it('omits args and kwargs that the CALL and YIELD did not carry', () => {
    const { callee, caller } = pair();
    caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    expect('args' in invocation || 'kwargs' in invocation).toBe(false);
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {} });
    const result = caller.takeOne('RESULT');
    expect('args' in result || 'kwargs' in result).toBe(false);
  });

  it('never forwards args or kwargs keys that hold undefined or null', () => {
    const { callee, caller } = pair();
    const call = {
      type: 'CALL',
      requestId: caller.nextId(),
      options: {},
      procedure: 'com.example.add',
      args: undefined,
      kwargs: null,
    };
    caller.receive(call as unknown as WampMessage);
    const invocation = callee.takeOne('INVOCATION');
    expect(Object.keys(invocation).sort()).toEqual(['details', 'registration', 'requestId', 'type']);
    const yielded = { type: 'YIELD', requestId: invocation.requestId, options: {}, args: null, kwargs: undefined };
    callee.receive(yielded as unknown as WampMessage);
    expect(Object.keys(caller.takeOne('RESULT')).sort()).toEqual(['details', 'requestId', 'type']);
  });

  it('keeps concurrent calls of several callers apart', () => {
    const { callee } = pair();
    const c1 = join(router);
    const c2 = join(router);
    const r1 = c1.call('com.example.add', { args: [1] });
    const r2 = c2.call('com.example.add', { args: [2] });
    const [i1, i2] = callee.take() as { requestId: number; args: unknown[] }[];
    // Answer in the opposite order.
    callee.receive({ type: 'YIELD', requestId: i2?.requestId ?? 0, options: {}, args: i2?.args ?? [] });
    callee.receive({ type: 'YIELD', requestId: i1?.requestId ?? 0, options: {}, args: i1?.args ?? [] });
    expect(c1.takeOne('RESULT')).toMatchObject({ requestId: r1, args: [1] });
    expect(c2.takeOne('RESULT')).toMatchObject({ requestId: r2, args: [2] });
  });

  it("propagates the callee's ERROR with its URI and payload to the caller", () => {
    const { callee, caller } = pair();
    const requestId = caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({
      type: 'ERROR',
      requestType: MessageCode.INVOCATION,
      requestId: invocation.requestId,
      details: {},
      error: 'com.myapp.error.object_write_protected',
      args: ['Object is write protected.'],
      kwargs: { severity: 3 },
    });
    expect(caller.takeOne('ERROR')).toEqual({
      type: 'ERROR',
      requestType: MessageCode.CALL,
      requestId,
      details: {},
      error: 'com.myapp.error.object_write_protected',
      args: ['Object is write protected.'],
      kwargs: { severity: 3 },
    });
  });

  it('answers a call to an unregistered procedure with no_such_procedure', () => {
    const caller = join(router);
    const requestId = caller.call('com.example.nothing');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NO_SUCH_PROCEDURE });
  });

  it.each(['com..add', 'com.example add', 'com.#'])('answers a call to %j with invalid_uri', (procedure) => {
    const caller = join(router);
    const requestId = caller.call(procedure);
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.INVALID_URI });
  });

  it('lets a session call a procedure it registered itself', () => {
    const session = join(router);
    session.register('com.example.self');
    const requestId = session.call('com.example.self');
    const invocation = session.takeOne('INVOCATION');
    session.receive({ type: 'YIELD', requestId: invocation.requestId, options: {} });
    expect(session.takeOne('RESULT').requestId).toBe(requestId);
  });
});

describe('late and unknown answers', () => {
  it('ignores a second YIELD for the same invocation', () => {
    const { callee, caller } = pair();
    caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {} });
    caller.take();
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {} });
    expect(caller.take()).toEqual([]);
    expect(callee.take()).toEqual([]);
    expect(callee.peer.closed).toBe(false);
  });

  it('aborts a callee that yields for an INVOCATION the router never sent', () => {
    const { callee } = pair();
    callee.receive({ type: 'YIELD', requestId: 99, options: {} });
    expectAbort(callee, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('aborts a callee that sends ERROR for an INVOCATION the router never sent', () => {
    const { callee } = pair();
    callee.receive({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: 5, details: {}, error: 'com.e' });
    expectAbort(callee, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('discards the answer to a call whose caller left, and the callee keeps working', () => {
    const { callee, caller } = pair();
    caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    caller.connection.transportClosed();
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [1] });
    expect(callee.take()).toEqual([]);
    expect(callee.peer.closed).toBe(false);
    const other = join(router);
    const requestId = other.call('com.example.add');
    const next = callee.takeOne('INVOCATION');
    expect(next.requestId).toBe(2);
    callee.receive({ type: 'YIELD', requestId: next.requestId, options: {} });
    expect(other.takeOne('RESULT').requestId).toBe(requestId);
  });
});

describe('callee leaving mid-call', () => {
  it.each([
    ['its transport closes', (callee: TestClient) => callee.connection.transportClosed()],
    [
      'it says GOODBYE',
      (callee: TestClient) => callee.receive({ type: 'GOODBYE', details: {}, reason: 'wamp.close.close_realm' }),
    ],
    ['it violates the protocol', (callee: TestClient) => callee.connection.protocolViolation('bad frame')],
  ])('fails pending calls with wamp.error.canceled when %s', (_name, leave) => {
    const { callee, caller } = pair();
    const first = caller.call('com.example.add');
    const second = caller.call('com.example.add');
    callee.take();
    leave(callee);
    const errors = caller.take();
    expect(errors).toHaveLength(2);
    expectError(errors[0], { requestType: MessageCode.CALL, requestId: first, error: ErrorUri.CANCELED });
    expectError(errors[1], { requestType: MessageCode.CALL, requestId: second, error: ErrorUri.CANCELED });
    // The procedure is gone with its callee.
    const third = caller.call('com.example.add');
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: third,
      error: ErrorUri.NO_SUCH_PROCEDURE,
    });
  });
});

describe('registrations', () => {
  it('answers a second REGISTER of a procedure with procedure_already_exists', () => {
    pair('com.example.add');
    const other = join(router);
    const requestId = other.nextId();
    other.receive({ type: 'REGISTER', requestId, options: {}, procedure: 'com.example.add' });
    expectError(other.take()[0], {
      requestType: MessageCode.REGISTER,
      requestId,
      error: ErrorUri.PROCEDURE_ALREADY_EXISTS,
    });
  });

  it('answers UNREGISTER with UNREGISTERED and frees the procedure', () => {
    const { callee, caller, registration } = pair();
    const requestId = callee.nextId();
    callee.receive({ type: 'UNREGISTER', requestId, registration });
    expect(callee.takeOne('UNREGISTERED')).toEqual({ type: 'UNREGISTERED', requestId });
    const callId = caller.call('com.example.add');
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: callId,
      error: ErrorUri.NO_SUCH_PROCEDURE,
    });
    expect(join(router).register('com.example.add')).toEqual(expect.any(Number));
  });

  it('still delivers the answer to an invocation sent before UNREGISTER', () => {
    const { callee, caller, registration } = pair();
    const callId = caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({ type: 'UNREGISTER', requestId: callee.nextId(), registration });
    callee.take();
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options: {} });
    expect(caller.takeOne('RESULT').requestId).toBe(callId);
  });

  it('answers UNREGISTER of an unknown registration with no_such_registration', () => {
    const callee = join(router);
    const requestId = callee.nextId();
    callee.receive({ type: 'UNREGISTER', requestId, registration: 777 });
    expectError(callee.take()[0], {
      requestType: MessageCode.UNREGISTER,
      requestId,
      error: ErrorUri.NO_SUCH_REGISTRATION,
    });
  });

  it("answers UNREGISTER of another session's registration with no_such_registration", () => {
    const { registration, caller } = pair();
    const requestId = caller.nextId();
    caller.receive({ type: 'UNREGISTER', requestId, registration });
    expectError(caller.take()[0], {
      requestType: MessageCode.UNREGISTER,
      requestId,
      error: ErrorUri.NO_SUCH_REGISTRATION,
    });
    expect(router.realm('realm1')?.dealer.lookup('com.example.add')?.id).toBe(registration);
  });

  it.each(['com..add', 'com.example add', ''])('answers REGISTER of %j with invalid_uri', (procedure) => {
    const callee = join(router);
    const requestId = callee.nextId();
    callee.receive({ type: 'REGISTER', requestId, options: {}, procedure });
    expectError(callee.take()[0], { requestType: MessageCode.REGISTER, requestId, error: ErrorUri.INVALID_URI });
  });

  it.each(['wamp.session.count', 'wamp'])(
    'refuses to register the reserved procedure %j with invalid_uri',
    (procedure) => {
      const callee = join(router);
      const requestId = callee.nextId();
      callee.receive({ type: 'REGISTER', requestId, options: {}, procedure });
      expectError(callee.take()[0], { requestType: MessageCode.REGISTER, requestId, error: ErrorUri.INVALID_URI });
    },
  );

  it('lets a session of the trusted role register a wamp. procedure, as Crossbar does', () => {
    const callee = join(router, 'realm1', { authrole: 'trusted' });
    const requestId = callee.nextId();
    callee.receive({ type: 'REGISTER', requestId, options: {}, procedure: 'wamp.example.status' });
    expect(callee.takeOne('REGISTERED').requestId).toBe(requestId);
    const caller = join(router);
    const callId = caller.nextId();
    caller.receive({ type: 'CALL', requestId: callId, options: {}, procedure: 'wamp.example.status' });
    expect(callee.takeOne('INVOCATION').type).toBe('INVOCATION');
  });

  it.each([
    ['match', 'regex'],
    ['match', 42],
    ['invoke', 'broadcast'],
    ['invoke', true],
  ])('refuses REGISTER with unknown %s: %j with option_not_allowed', (key, value) => {
    const callee = join(router);
    const requestId = callee.nextId();
    callee.receive({ type: 'REGISTER', requestId, options: { [key]: value }, procedure: 'com.example.p' });
    expectError(callee.take()[0], { requestType: MessageCode.REGISTER, requestId, error: ErrorUri.OPTION_NOT_ALLOWED });
  });

  it('accepts the default policies spelled out', () => {
    const callee = join(router);
    expect(callee.register('com.example.p', { match: 'exact', invoke: 'single' })).toEqual(expect.any(Number));
  });
});

describe('caller identification', () => {
  it('discloses the caller when it asks with disclose_me', () => {
    const { callee, caller } = pair();
    caller.call('com.example.add', { options: { disclose_me: true } });
    expect(callee.takeOne('INVOCATION').details).toEqual({
      caller: caller.sessionId,
      caller_authid: caller.welcome?.details.authid,
      caller_authrole: 'anonymous',
    });
  });

  it('discloses the caller when the callee registered with disclose_caller', () => {
    const callee = join(router);
    callee.register('com.example.add', { disclose_caller: true });
    const caller = join(router);
    caller.call('com.example.add');
    expect(callee.takeOne('INVOCATION').details.caller).toBe(caller.sessionId);
  });

  it('does not disclose the caller otherwise', () => {
    const { callee, caller } = pair();
    caller.call('com.example.add');
    expect(callee.takeOne('INVOCATION').details).toEqual({});
  });
});

describe('payload passthru', () => {
  const ppt = { features: { payload_passthru_mode: true } };
  const pptRoles = { caller: { caller: ppt }, callee: { callee: ppt } };
  const options = { ppt_scheme: 'x_custom', ppt_serializer: 'native' };

  it('forwards payload and ppt_* attributes on CALL, YIELD and ERROR', () => {
    const { callee, caller } = pair('com.example.add', pptRoles);
    const payload = new Uint8Array([9, 9]);
    const callId = caller.nextId();
    caller.receive({ type: 'CALL', requestId: callId, options, procedure: 'com.example.add', payload });
    const invocation = callee.takeOne('INVOCATION');
    expect(invocation.payload).toBe(payload);
    expect(invocation.details).toEqual(options);
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options, payload: 'result' });
    expect(caller.takeOne('RESULT')).toEqual({
      type: 'RESULT',
      requestId: callId,
      details: options,
      payload: 'result',
    });

    const secondId = caller.nextId();
    caller.receive({ type: 'CALL', requestId: secondId, options, procedure: 'com.example.add', payload });
    const second = callee.takeOne('INVOCATION');
    callee.receive({
      type: 'ERROR',
      requestType: MessageCode.INVOCATION,
      requestId: second.requestId,
      details: options,
      error: 'com.example.failed',
      payload: 'why',
    });
    expect(caller.takeOne('ERROR')).toMatchObject({
      requestId: secondId,
      details: options,
      error: 'com.example.failed',
      payload: 'why',
    });
  });

  it('aborts a caller that uses passthru without announcing it', () => {
    const { caller } = pair('com.example.add', { callee: { callee: ppt } });
    caller.receive({ type: 'CALL', requestId: 1, options, procedure: 'com.example.add', payload: 'x' });
    expectAbort(caller, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('aborts a callee that yields in passthru mode without announcing it', () => {
    const { callee, caller } = pair('com.example.add', { caller: { caller: ppt }, callee: ALL_ROLES });
    caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options, payload: 'x' });
    expectAbort(callee, ErrorUri.PROTOCOL_VIOLATION);
  });

  it('answers feature_not_supported when the callee lacks passthru', () => {
    const { callee, caller } = pair('com.example.add', { caller: { caller: ppt } });
    const requestId = caller.nextId();
    caller.receive({ type: 'CALL', requestId, options, procedure: 'com.example.add', payload: 'x' });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.FEATURE_NOT_SUPPORTED });
    expect(callee.take()).toEqual([]);
  });

  it('answers feature_not_supported to a caller without passthru when the result is passthru', () => {
    const { callee, caller } = pair('com.example.add', { callee: { callee: ppt } });
    const requestId = caller.call('com.example.add');
    const invocation = callee.takeOne('INVOCATION');
    callee.receive({ type: 'YIELD', requestId: invocation.requestId, options, payload: 'x' });
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.FEATURE_NOT_SUPPORTED });
    expect(callee.peer.closed).toBe(false);
  });
});
