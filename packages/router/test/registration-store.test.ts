import type { MatchPolicyValue } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import {
  type Callee,
  type InvokePolicyValue,
  isInvokePolicy,
  RegistrationStore,
  wildcardRank,
} from '../src/dealer/registration-store.js';
import type { RealmMember } from '../src/realm/realm-member.js';

/** A stand-in session: the store only compares sessions by identity. */
function member(id: number): RealmMember {
  return {
    id,
    authid: `a${id}`,
    authrole: 'anonymous',
    announces: () => false,
    send: () => {},
    nextRequestId: () => 1,
    hasIssuedRequestId: () => false,
  };
}

function callee(session: RealmMember, concurrency = 0): Callee {
  return { session, discloseCaller: false, forwardTimeout: false, concurrency, outstanding: 0 };
}

function storeWith(entries: [string, MatchPolicyValue][]): RegistrationStore {
  const store = new RegistrationStore();
  entries.forEach(([uri, match], i) => {
    store.addCallee(store.create(uri, match, 'single', '2024-01-01T00:00:00.000Z'), callee(member(i + 1)));
  });
  return store;
}

describe('best matching registration', () => {
  // The spec's own table (advanced profile "Pattern-based Registrations", "Calls matching
  // multiple registrations"): RPC n is registered by session n.
  const store = storeWith([
    ['a1.b2.c3.d4.e55', 'exact'],
    ['a1.b2.c3', 'prefix'],
    ['a1.b2.c3.d4', 'prefix'],
    ['a1.b2..d4.e5', 'wildcard'],
    ['a1.b2.c33..e5', 'wildcard'],
    ['a1.b2..d4.e5..g7', 'wildcard'],
    ['a1.b2..d4..f6.g7', 'wildcard'],
  ]);
  const winner = (uri: string) => store.best(uri)?.callees[0]?.session.id;

  it.each([
    ['a1.b2.c3.d4.e55', 1],
    ['a1.b2.c3.d98.e74', 2],
    ['a1.b2.c3.d4.e325', 3],
    ['a1.b2.c55.d4.e5', 4],
    ['a1.b2.c88.d4.e5.f6.g7', 6],
  ])('routes %s to RPC %i', (uri, expected) => {
    expect(winner(uri)).toBe(expected);
  });

  it('matches prefixes by characters, so a prefix can beat a wildcard the spec table prefers', () => {
    // The spec's table routes a1.b2.c33.d4.e5 to wildcard RPC 5, "no prefix match"; but its
    // own prefix rule ("has REGISTER.Procedure as a prefix", with com.myapp.myobject1 matching
    // com.myapp.myobject1-mysubobject1) makes a1.b2.c3 a prefix of it. Crossbar, and this
    // router, follow the rule: the prefix wins.
    expect(winner('a1.b2.c33.d4.e5')).toBe(2);
    const wildcardsOnly = storeWith([
      ['a1.b2..d4.e5', 'wildcard'],
      ['a1.b2.c33..e5', 'wildcard'],
    ]);
    expect(wildcardsOnly.best('a1.b2.c33.d4.e5')?.callees[0]?.session.id).toBe(2);
    expect(wildcardsOnly.best('a1.b2.c34.d4.e5')?.callees[0]?.session.id).toBe(1);
  });

  it('finds nothing for a2.b2.c2.d2.e2', () => {
    expect(store.best('a2.b2.c2.d2.e2')).toBeUndefined();
  });

  it('ranks wildcards by the runs of concrete components before each wildcard', () => {
    expect(wildcardRank('a1.b2..d4.e5..g7')).toEqual([2, 2, 1]);
    expect(wildcardRank('a1.b2..d4..f6.g7')).toEqual([2, 1, 2]);
    expect(wildcardRank('.x')).toEqual([0, 1]);
  });

  it('lists, looks up and forgets registrations', () => {
    const own = storeWith([
      ['com.a', 'exact'],
      ['com.', 'prefix'],
      ['com..b', 'wildcard'],
    ]);
    const prefix = own.lookup('com.', 'prefix');
    expect(prefix?.uri).toBe('com.');
    expect(own.lookup('com.', 'exact')).toBeUndefined();
    expect(own.list()).toEqual({
      exact: [own.lookup('com.a', 'exact')?.id],
      prefix: [prefix?.id],
      wildcard: [own.lookup('com..b', 'wildcard')?.id],
    });
    const session = prefix?.callees[0]?.session as RealmMember;
    expect(own.removeCallee(prefix as never, session)).toEqual({ removed: true, deleted: true });
    expect(own.best('com.x')).toBeUndefined();
    expect(own.get(prefix?.id as number)).toBeUndefined();
    expect(own.of(session).size).toBe(0);
  });
});

describe('invocation policies', () => {
  function shared(invoke: InvokePolicyValue, count: number, concurrency = 0) {
    const store = new RegistrationStore();
    const registration = store.create('com.p', 'exact', invoke, '2024-01-01T00:00:00.000Z');
    const callees = Array.from({ length: count }, (_, i) => callee(member(i + 1), concurrency));
    for (const c of callees) store.addCallee(registration, c);
    return { store, registration, callees };
  }
  const idOf = (picked: unknown) => (picked as Callee).session.id;

  it('knows exactly the five policies', () => {
    expect(['single', 'roundrobin', 'random', 'first', 'last'].every(isInvokePolicy)).toBe(true);
    expect(isInvokePolicy('broadcast')).toBe(false);
  });

  it('first and last pick by registration order', () => {
    expect(idOf(shared('first', 3).registration.pick(Math.random))).toBe(1);
    expect(idOf(shared('last', 3).registration.pick(Math.random))).toBe(3);
  });

  it('roundrobin cycles, and keeps its place when a callee goes', () => {
    const { store, registration, callees } = shared('roundrobin', 3);
    const picks = [1, 2, 3, 4].map(() => idOf(registration.pick(Math.random)));
    expect(picks).toEqual([1, 2, 3, 1]);
    store.removeCallee(registration, (callees[0] as Callee).session);
    expect([1, 2, 3].map(() => idOf(registration.pick(Math.random)))).toEqual([2, 3, 2]);
  });

  it('random uses the random source', () => {
    const { registration } = shared('random', 4);
    expect(idOf(registration.pick(() => 0))).toBe(1);
    expect(idOf(registration.pick(() => 0.5))).toBe(3);
    expect(idOf(registration.pick(() => 0.9999))).toBe(4);
  });

  it('passes over excluded and busy callees, and tells busy from none', () => {
    const { registration, callees } = shared('first', 3, 1);
    (callees[0] as Callee).outstanding = 1;
    expect(idOf(registration.pick(Math.random))).toBe(2);
    expect(idOf(registration.pick(Math.random, new Set([(callees[1] as Callee).session])))).toBe(3);
    (callees[2] as Callee).outstanding = 1;
    expect(registration.pick(Math.random, new Set([(callees[1] as Callee).session]))).toBe('busy');
    expect(registration.pick(Math.random, new Set(callees.map((c) => c.session)))).toBeUndefined();
  });
});
