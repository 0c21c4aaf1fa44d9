import { InvalidArgumentError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type { PermissionConfig } from '../src/realm/realm-config.js';
import { compareWildcardSpecificity, StaticAuthorizer } from '../src/realm/static-authorizer.js';

const allowCall = { call: true };
const deny = {};

function authorizer(permissions: PermissionConfig[]): StaticAuthorizer {
  return new StaticAuthorizer([{ name: 'r', permissions }]);
}

describe('StaticAuthorizer', () => {
  it('allows everything, without disclosure, when the realm has no roles', () => {
    const open = new StaticAuthorizer();
    expect(open.restricted).toBe(false);
    expect(open.hasRole('anything')).toBe(true);
    expect(open.authorize('anything', 'com.x', 'register')).toEqual({
      allowed: true,
      discloseCaller: false,
      disclosePublisher: false,
    });
  });

  it('knows its roles and denies unknown ones', () => {
    const auth = authorizer([{ uri: '', match: 'prefix', allow: allowCall }]);
    expect(auth.restricted).toBe(true);
    expect(auth.hasRole('r')).toBe(true);
    expect(auth.hasRole('other')).toBe(false);
    expect(auth.authorize('other', 'com.x', 'call').allowed).toBe(false);
  });

  it('denies actions a rule does not list', () => {
    const auth = authorizer([{ uri: 'com.x', allow: allowCall }]);
    expect(auth.authorize('r', 'com.x', 'call').allowed).toBe(true);
    for (const action of ['register', 'publish', 'subscribe'] as const) {
      expect(auth.authorize('r', 'com.x', action).allowed).toBe(false);
    }
  });

  it('matches everything with an empty prefix', () => {
    const auth = authorizer([{ uri: '', match: 'prefix', allow: allowCall }]);
    expect(auth.authorize('r', 'any.uri.at.all', 'call').allowed).toBe(true);
  });

  it.each([
    // [uri, expected allowed] for rules: exact com.a.b.c (allow), prefix com.a (allow),
    // prefix com.a.b (deny), wildcard com..b.c (deny), wildcard ..z (allow)
    ['com.a.b.c', true], // exact beats every prefix and wildcard
    ['com.a.b.d', false], // longest prefix com.a.b wins over com.a
    ['com.a.x', true], // only prefix com.a
    ['com.q.b.c', false], // no exact or prefix: wildcard com..b.c
    ['x.y.z', true], // wildcard ..z
    ['org.nothing', false], // no rule
  ])('lets the most specific rule decide for %s', (uri, allowed) => {
    const auth = authorizer([
      { uri: 'com.a', match: 'prefix', allow: allowCall },
      { uri: 'com.a.b', match: 'prefix', allow: deny },
      { uri: 'com..b.c', match: 'wildcard', allow: deny },
      { uri: '..z', match: 'wildcard', allow: allowCall },
      { uri: 'com.a.b.c', match: 'exact', allow: allowCall },
    ]);
    expect(auth.authorize('r', uri, 'call').allowed).toBe(allowed);
  });

  it('reads the older Crossbar star notation as a prefix', () => {
    const auth = authorizer([
      { uri: '*', allow: deny },
      { uri: 'com.example.*', allow: allowCall },
    ]);
    expect(auth.authorize('r', 'com.example.add', 'call').allowed).toBe(true);
    expect(auth.authorize('r', 'org.other', 'call').allowed).toBe(false);
  });

  it('lets a later rule for the same URI replace an earlier one', () => {
    const auth = authorizer([
      { uri: 'com.x', match: 'prefix', allow: allowCall },
      { uri: 'com.x', match: 'prefix', allow: deny },
    ]);
    expect(auth.authorize('r', 'com.x.y', 'call').allowed).toBe(false);
  });

  it('carries the disclose settings of the deciding rule', () => {
    const auth = authorizer([{ uri: 'com.x', allow: allowCall, disclose: { caller: true } }]);
    expect(auth.authorize('r', 'com.x', 'call')).toEqual({
      allowed: true,
      discloseCaller: true,
      disclosePublisher: false,
    });
  });

  it('decides the same, asked again and again, for a role with many pattern rules', () => {
    // Twenty tenants, each with a prefix rule for calls and a wildcard rule for publications:
    // past a few pattern rules the authorizer remembers the rule deciding each URI.
    const permissions: PermissionConfig[] = [{ uri: 'com.open.admin', allow: deny }];
    for (let t = 0; t < 20; t++) {
      permissions.push({ uri: `com.t${t}.`, match: 'prefix', allow: { call: t % 2 === 0 } });
      permissions.push({ uri: `com.t${t}..news`, match: 'wildcard', allow: { publish: true } });
    }
    permissions.push({ uri: 'com.open.', match: 'prefix', allow: { call: true, publish: true } });
    const auth = authorizer(permissions);
    const decide = (uri: string) => [
      auth.authorize('r', uri, 'call').allowed,
      auth.authorize('r', uri, 'publish').allowed,
    ];
    // More distinct URIs than the authorizer remembers, twice over, so remembered and forgotten
    // ones both answer.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        const t = i % 20;
        expect(decide(`com.t${t}.x${i}`)).toEqual([t % 2 === 0, false]);
      }
      expect(decide('com.t3.y.news')).toEqual([false, false]); // the prefix rule is more specific
      expect(decide('com.t33.y.news')).toEqual([false, false]); // no rule
      expect(decide('com.open.x')).toEqual([true, true]);
      expect(decide('com.open.admin')).toEqual([false, false]); // exact beats prefix
      expect(decide('com.nobody')).toEqual([false, false]);
    }
  });

  it('rejects malformed configs', () => {
    expect(() => new StaticAuthorizer([{ name: '', permissions: [] }])).toThrow(InvalidArgumentError);
    expect(
      () =>
        new StaticAuthorizer([
          { name: 'a', permissions: [] },
          { name: 'a', permissions: [] },
        ]),
    ).toThrow(InvalidArgumentError);
    expect(
      () => new StaticAuthorizer([{ name: 'a', permissions: [{ uri: 'x', match: 'regex' as 'exact', allow: {} }] }]),
    ).toThrow(InvalidArgumentError);
  });
});

describe('compareWildcardSpecificity', () => {
  // The examples of the spec's "Calls matching multiple registrations".
  it.each([
    ['a1.b2.c33..e5', 'a1.b2..d4.e5'],
    ['a1.b2..d4.e5..g7', 'a1.b2..d4..f6.g7'],
    ['a..c', '.b.c'],
  ])('ranks %s before %s', (first, second) => {
    expect(compareWildcardSpecificity(first, second)).toBeLessThan(0);
    expect(compareWildcardSpecificity(second, first)).toBeGreaterThan(0);
  });

  it('orders equally specific patterns deterministically', () => {
    expect(compareWildcardSpecificity('a..c', 'b..c')).toBeLessThan(0);
    expect(compareWildcardSpecificity('a..c', 'a..c')).toBe(0);
  });
});
