import { ErrorUri, MessageCode } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dealer, DealerObserver } from '../src/dealer/dealer.js';
import type { RegistrationDetails } from '../src/dealer/registration-store.js';
import { Router } from '../src/router.js';
import { ADVANCED, BASIC, client, tryRegister, yieldTo } from './dealer-fixtures.js';
import { expectCleanTraffic, expectError, FakeClock, join, type TestClient } from './harness.js';

let router: Router;
let clock: FakeClock;
let randoms: number[];

beforeEach(() => {
  clock = new FakeClock();
  clock.advance(Date.UTC(2024, 4, 1, 12, 0, 0));
  randoms = [];
  router = new Router({ realms: [{ name: 'realm1' }], clock, random: () => randoms.shift() ?? 0 });
});
afterEach(expectCleanTraffic);

function dealer(): Dealer {
  return router.realm('realm1')?.dealer as Dealer;
}

/** Calls `procedure` and returns which of `callees` got the INVOCATION, answering it. */
function served(caller: TestClient, procedure: string, callees: TestClient[]): number {
  const requestId = caller.call(procedure);
  const receivers = callees.map((callee) => callee.take());
  const index = receivers.findIndex((messages) => messages.length > 0);
  expect(receivers.flat()).toHaveLength(1);
  const invocation = receivers[index]?.[0] as { requestId: number };
  yieldTo(callees[index] as TestClient, invocation.requestId);
  expect(caller.takeOne('RESULT').requestId).toBe(requestId);
  return index;
}

describe('pattern-based registrations', () => {
  it('routes a call to a prefix registration and tells the callee the called URI', () => {
    const callee = client(router);
    const registration = callee.register('com.myapp.myobject1', { match: 'prefix' });
    const caller = client(router);
    for (const uri of ['com.myapp.myobject1.myprocedure1', 'com.myapp.myobject1-mysubobject1', 'com.myapp.myobject1']) {
      caller.call(uri, { args: [uri] });
      const invocation = callee.takeOne('INVOCATION');
      expect(invocation).toMatchObject({ registration, details: { procedure: uri }, args: [uri] });
      yieldTo(callee, invocation.requestId);
      caller.takeOne('RESULT');
    }
    const requestId = caller.call('com.myapp.myobject');
    expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NO_SUCH_PROCEDURE });
  });

  it('routes a call to a wildcard registration matching whole components', () => {
    const callee = client(router);
    const registration = callee.register('com.myapp..myprocedure1', { match: 'wildcard' });
    const caller = client(router);
    caller.call('com.myapp.myobject2.myprocedure1');
    expect(callee.takeOne('INVOCATION')).toMatchObject({
      registration,
      details: { procedure: 'com.myapp.myobject2.myprocedure1' },
    });
    for (const uri of ['com.myapp.myobject1.myprocedure1.mysubprocedure1', 'com.myapp.myobject1.myprocedure2']) {
      const requestId = caller.call(uri);
      expectError(caller.take()[0], { requestType: MessageCode.CALL, requestId, error: ErrorUri.NO_SUCH_PROCEDURE });
    }
  });

  it('prefers exact, then the longest prefix, then wildcard', () => {
    const exact = client(router);
    exact.register('a1.b2.c3.d4.e55');
    const shortPrefix = client(router);
    shortPrefix.register('a1.b2', { match: 'prefix' });
    const longPrefix = client(router);
    longPrefix.register('a1.b2.c3', { match: 'prefix' });
    const wildcard = client(router);
    wildcard.register('x1..z3', { match: 'wildcard' });
    const all = [exact, shortPrefix, longPrefix, wildcard];
    const caller = client(router);
    expect(served(caller, 'a1.b2.c3.d4.e55', all)).toBe(0);
    expect(served(caller, 'a1.b2.c3.d4.e56', all)).toBe(2);
    expect(served(caller, 'a1.b2.x', all)).toBe(1);
    expect(served(caller, 'x1.y2.z3', all)).toBe(3);
    // The exact INVOCATION carries no procedure; the concrete URI is the registered one.
    caller.call('a1.b2.c3.d4.e55');
    expect(exact.takeOne('INVOCATION').details).toEqual({});
  });

  it('accepts the empty prefix, as Crossbar does: it serves what nothing more specific serves', () => {
    const fallback = client(router);
    fallback.register('', { match: 'prefix' });
    const exact = client(router);
    exact.register('com.example.add');
    const all = [fallback, exact];
    const caller = client(router);
    expect(served(caller, 'com.example.add', all)).toBe(1);
    expect(served(caller, 'org.anything.else', all)).toBe(0);
  });

  it('keeps an exact and a prefix registration of the same URI apart', () => {
    const a = client(router);
    const exactId = a.register('com.x');
    const b = client(router);
    const prefixId = b.register('com.x', { match: 'prefix' });
    expect(exactId).not.toBe(prefixId);
    expect(dealer().lookup('com.x')?.id).toBe(exactId);
    expect(dealer().lookup('com.x', 'prefix')?.id).toBe(prefixId);
    expect(dealer().match('com.x.y')?.id).toBe(prefixId);
  });

  it.each([
    ['prefix', 'com. x'],
    ['wildcard', 'com.#.x'],
  ])('refuses an invalid %s pattern %j with invalid_uri', (match, procedure) => {
    const reply = tryRegister(client(router), procedure, { match });
    expect(reply).toMatchObject({ type: 'ERROR', error: ErrorUri.INVALID_URI });
  });

  it('refuses a pattern that covers reserved wamp. procedures with invalid_uri', () => {
    expect(tryRegister(client(router), 'wamp.', { match: 'prefix' })).toMatchObject({ error: ErrorUri.INVALID_URI });
  });
});

describe('shared registrations', () => {
  function shared(invoke: string, count: number): TestClient[] {
    const callees = Array.from({ length: count }, () => client(router));
    const ids = callees.map((callee) => callee.register('com.shared', { invoke }));
    expect(new Set(ids).size).toBe(1);
    return callees;
  }

  it('roundrobin takes the callees in turn', () => {
    const callees = shared('roundrobin', 3);
    const caller = client(router);
    expect([1, 2, 3, 4, 5].map(() => served(caller, 'com.shared', callees))).toEqual([0, 1, 2, 0, 1]);
  });

  it('random picks by the random source', () => {
    const callees = shared('random', 3);
    const caller = client(router);
    randoms.push(0.9, 0.1, 0.5);
    expect([1, 2, 3].map(() => served(caller, 'com.shared', callees))).toEqual([2, 0, 1]);
  });

  it('first and last pick the oldest and the newest callee, and move on when one leaves', () => {
    const firsts = shared('first', 3);
    const caller = client(router);
    expect(served(caller, 'com.shared', firsts)).toBe(0);
    firsts[0]?.connection.transportClosed();
    expect(served(caller, 'com.shared', firsts.slice(1))).toBe(0);

    const lasts = Array.from({ length: 3 }, () => client(router));
    for (const callee of lasts) callee.register('com.last', { invoke: 'last' });
    expect(served(caller, 'com.last', lasts)).toBe(2);
  });

  it('refuses a REGISTER with a different policy, or any second REGISTER of a single one', () => {
    shared('roundrobin', 1);
    const other = client(router);
    expect(tryRegister(other, 'com.shared', { invoke: 'random' })).toMatchObject({
      type: 'ERROR',
      requestType: MessageCode.REGISTER,
      error: ErrorUri.PROCEDURE_ALREADY_EXISTS,
    });
    expect(tryRegister(other, 'com.shared')).toMatchObject({ error: ErrorUri.PROCEDURE_ALREADY_EXISTS });
    client(router).register('com.single');
    expect(tryRegister(other, 'com.single', { invoke: 'single' })).toMatchObject({
      error: ErrorUri.PROCEDURE_ALREADY_EXISTS,
    });
  });

  it('refuses a session joining a registration it is already on', () => {
    const [callee] = shared('roundrobin', 1);
    expect(tryRegister(callee as TestClient, 'com.shared', { invoke: 'roundrobin' })).toMatchObject({
      error: ErrorUri.PROCEDURE_ALREADY_EXISTS,
    });
  });

  it('keeps the registration while one callee remains', () => {
    const callees = shared('roundrobin', 2);
    const [a, b] = callees as [TestClient, TestClient];
    const id = dealer().lookup('com.shared')?.id as number;
    a.receive({ type: 'UNREGISTER', requestId: a.nextId(), registration: id });
    a.takeOne('UNREGISTERED');
    expect(dealer().callees(id)).toEqual([b.sessionId]);
    const caller = client(router);
    expect(served(caller, 'com.shared', [b])).toBe(0);
  });
});

describe('concurrency limit', () => {
  it('answers max_concurrency_reached when the only callee is busy, and frees its slot on answer', () => {
    const callee = client(router);
    callee.register('com.slow', { concurrency: 1 });
    const caller = client(router);
    caller.call('com.slow');
    const invocation = callee.takeOne('INVOCATION');
    const second = caller.call('com.slow');
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: second,
      error: 'crossbar.error.max_concurrency_reached',
    });
    yieldTo(callee, invocation.requestId);
    caller.takeOne('RESULT');
    caller.call('com.slow');
    expect(callee.takeOne('INVOCATION').requestId).toBe(2);
  });

  it('passes a call to another callee of a shared registration when one is busy', () => {
    const a = client(router);
    a.register('com.pool', { invoke: 'first', concurrency: 1 });
    const b = client(router);
    b.register('com.pool', { invoke: 'first', concurrency: 2 });
    const caller = client(router);
    caller.call('com.pool');
    caller.call('com.pool');
    caller.call('com.pool');
    expect(a.take()).toHaveLength(1);
    expect(b.take()).toHaveLength(2);
    const fourth = caller.call('com.pool');
    expectError(caller.take()[0], {
      requestType: MessageCode.CALL,
      requestId: fourth,
      error: 'crossbar.error.max_concurrency_reached',
    });
  });

  it.each([0, -1, 1.5, 'two'])('refuses concurrency %j with invalid_argument', (concurrency) => {
    expect(tryRegister(client(router), 'com.x', { concurrency })).toMatchObject({ error: ErrorUri.INVALID_ARGUMENT });
  });
});

describe('force_reregister and registration revocation', () => {
  /** A session of the `backend` principal: force_reregister takes over only its own registrations. */
  const backend = (roles = ADVANCED) => join(router, 'realm1', { roles, authid: 'backend' });

  it('revokes the existing callees of the same authid and registers the new one', () => {
    const old = backend();
    const oldId = old.register('com.svc', { invoke: 'roundrobin' });
    const basicOld = backend(BASIC);
    basicOld.register('com.svc', { invoke: 'roundrobin' });
    const fresh = backend();
    const freshId = fresh.register('com.svc', { force_reregister: true });
    expect(freshId).not.toBe(oldId);
    expect(old.takeOne('UNREGISTERED')).toEqual({
      type: 'UNREGISTERED',
      requestId: 0,
      details: { registration: oldId, reason: 'wamp.error.unregistered' },
    });
    // Spec "Registration Revocation": a callee that did not announce the feature is not told.
    expect(basicOld.take()).toEqual([]);
    expect(dealer().get(freshId)).toMatchObject({ invoke: 'single' });
    expect(dealer().callees(freshId)).toEqual([fresh.sessionId]);
    const caller = client(router);
    expect(served(caller, 'com.svc', [old, basicOld, fresh])).toBe(2);
  });

  it('refuses to take over a registration of another authid, which keeps being served', () => {
    const owner = backend();
    const ownerId = owner.register('com.svc');
    const hijacker = client(router);
    expect(tryRegister(hijacker, 'com.svc', { force_reregister: true })).toMatchObject({
      type: 'ERROR',
      error: ErrorUri.NOT_AUTHORIZED,
    });
    expect(owner.take()).toEqual([]);
    expect(dealer().callees(ownerId)).toEqual([owner.sessionId]);
    expect(served(client(router), 'com.svc', [owner, hijacker])).toBe(0);
  });

  it('refuses over a shared registration when any callee has another authid', () => {
    backend().register('com.svc', { invoke: 'roundrobin' });
    client(router).register('com.svc', { invoke: 'roundrobin' });
    expect(tryRegister(backend(), 'com.svc', { force_reregister: true })).toMatchObject({
      error: ErrorUri.NOT_AUTHORIZED,
    });
  });

  it('lets the trusted role take over any registration', () => {
    const owner = backend();
    owner.register('com.svc');
    const admin = join(router, 'realm1', { roles: ADVANCED, authrole: 'trusted' });
    expect(admin.register('com.svc', { force_reregister: true })).toEqual(expect.any(Number));
    owner.takeOne('UNREGISTERED');
  });

  it('registers normally when there is nothing to kick out', () => {
    const callee = client(router);
    expect(callee.register('com.new', { force_reregister: true })).toEqual(expect.any(Number));
  });

  it('lets an invocation sent before the revocation be answered', () => {
    const old = backend();
    old.register('com.svc');
    const caller = client(router);
    const requestId = caller.call('com.svc');
    const invocation = old.takeOne('INVOCATION');
    backend().register('com.svc', { force_reregister: true });
    old.takeOne('UNREGISTERED');
    yieldTo(old, invocation.requestId, { args: ['late'] });
    expect(caller.takeOne('RESULT')).toMatchObject({ requestId, args: ['late'] });
  });

  it("revokes on the router's initiative with removeCallee", () => {
    const callee = client(router);
    const id = callee.register('com.svc');
    expect(() => dealer().removeCallee(id, callee.sessionId, 'moving endpoint to other callee')).toThrow(
      expect.objectContaining({ uri: ErrorUri.INVALID_ARGUMENT }),
    );
    expect(dealer().callees(id)).toEqual([callee.sessionId]);
    expect(dealer().removeCallee(id, callee.sessionId, 'com.example.moved')).toBe(true);
    expect(callee.takeOne('UNREGISTERED').details).toEqual({ registration: id, reason: 'com.example.moved' });
    expect(dealer().get(id)).toBeUndefined();
    expect(dealer().removeCallee(id, callee.sessionId)).toBe(false);
  });
});

describe('registration accessors and observer', () => {
  it('describes registrations for the meta API', () => {
    const a = client(router);
    const exactId = a.register('com.e');
    const prefixId = a.register('com.p.', { match: 'prefix', invoke: 'roundrobin' });
    const b = client(router);
    b.register('com.p.', { match: 'prefix', invoke: 'roundrobin' });
    const wildcardId = b.register('com..w', { match: 'wildcard' });
    expect(dealer().list()).toEqual({ exact: [exactId], prefix: [prefixId], wildcard: [wildcardId] });
    expect(dealer().get(prefixId)).toEqual({
      id: prefixId,
      created: '2024-05-01T12:00:00.000Z',
      uri: 'com.p.',
      match: 'prefix',
      invoke: 'roundrobin',
    });
    expect(dealer().callees(prefixId)).toEqual([a.sessionId, b.sessionId]);
    expect(dealer().count(prefixId)).toBe(2);
    expect(dealer().lookup('com..w', 'wildcard')?.id).toBe(wildcardId);
    expect(dealer().lookup('com..w')).toBeUndefined();
    expect(dealer().match('com.p.x')?.id).toBe(prefixId);
    expect(dealer().match('com.q.w')?.id).toBe(wildcardId);
    expect(dealer().match('org.x')).toBeUndefined();
    expect(dealer().get(12345)).toBeUndefined();
    expect(dealer().callees(12345)).toBeUndefined();
    expect(dealer().count(12345)).toBeUndefined();
    expect(dealer().registrationCount).toBe(3);
  });

  it('reports create, register, unregister and delete in order, after the reply', () => {
    const events: string[] = [];
    const record =
      (name: string) =>
      (registration: RegistrationDetails, session: { id: number }): void => {
        events.push(`${name} ${registration.uri} ${session.id === a.sessionId ? 'a' : 'b'}`);
      };
    const observer: DealerObserver = {
      onCreate: record('create'),
      onRegister: record('register'),
      onUnregister: record('unregister'),
      onDelete: record('delete'),
    };
    dealer().setObserver(observer);
    const a = client(router);
    const b = client(router);
    const id = a.register('com.s', { invoke: 'roundrobin' });
    b.register('com.s', { invoke: 'roundrobin' });
    a.receive({ type: 'UNREGISTER', requestId: a.nextId(), registration: id });
    a.takeOne('UNREGISTERED');
    b.connection.transportClosed();
    expect(events).toEqual([
      'create com.s a',
      'register com.s a',
      'register com.s b',
      'unregister com.s a',
      'unregister com.s b',
      'delete com.s b',
    ]);
  });

  it('keeps routing when the observer throws', () => {
    dealer().setObserver({
      onCreate: () => {
        throw new Error('observer bug');
      },
    });
    const callee = client(router);
    callee.register('com.x');
    expect(served(client(router), 'com.x', [callee])).toBe(0);
  });
});
