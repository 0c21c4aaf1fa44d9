import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isMatchPolicy,
  isValidUri,
  MatchPolicy,
  type MatchPolicyValue,
  matchesPattern,
  uriComponentCount,
} from '../src/uri.js';

describe('isValidUri', () => {
  const cases: [uri: string, options: { strict?: boolean; match?: MatchPolicyValue }, valid: boolean][] = [
    // Loose rules (the default): components non-empty, no whitespace, '.' or '#'.
    ['com.myapp.topic1', {}, true],
    ['com', {}, true],
    ['Com.MyApp.Topic-1', {}, true],
    ['com.myapp.ünïcödé', {}, true],
    ['wamp.error.not_authorized', {}, true],
    ['', {}, false],
    ['com..topic', {}, false],
    ['.com.topic', {}, false],
    ['com.topic.', {}, false],
    ['com.my app', {}, false],
    ['com.my\tapp', {}, false],
    ['com.my\napp', {}, false],
    ['com.#.topic', {}, false],
    ['com.topic#1', {}, false],
    // Strict rules: lowercase letters, digits and '_' only.
    ['com.myapp.topic_1', { strict: true }, true],
    ['Com.myapp', { strict: true }, false],
    ['com.my-app', { strict: true }, false],
    ['com.myapp.ünï', { strict: true }, false],
    // Prefix patterns: any prefix, also one ending with '.'.
    ['com.myapp.', { match: 'prefix' }, true],
    ['com.myapp', { match: 'prefix' }, true],
    ['com.my', { match: 'prefix' }, true],
    ['com..app', { match: 'prefix' }, false],
    ['.com', { match: 'prefix' }, false],
    ['com.myapp.', { match: 'prefix', strict: true }, true],
    ['com.MyApp.', { match: 'prefix', strict: true }, false],
    // The empty prefix matches every URI (how Crossbar's examples watch a realm).
    ['', { match: 'prefix' }, true],
    ['com.my app', { match: 'prefix' }, false],
    // Wildcard patterns: empty components allowed anywhere.
    ['com..update', { match: 'wildcard' }, true],
    ['.myapp.update', { match: 'wildcard' }, true],
    ['com.myapp.', { match: 'wildcard' }, true],
    ['..', { match: 'wildcard' }, true],
    ['com.myapp.update', { match: 'wildcard' }, true],
    ['com..update', { match: 'wildcard', strict: true }, true],
    ['com..Update', { match: 'wildcard', strict: true }, false],
    ['com.#.update', { match: 'wildcard' }, false],
    ['', { match: 'wildcard' }, false],
    // Exact policy stays strict about empty components.
    ['com..update', { match: 'exact' }, false],
  ];
  it.each(cases)('%j with %j is %s', (uri, options, valid) => {
    expect(isValidUri(uri, options)).toBe(valid);
  });

  it('agrees with the spec rules written as one regular expression per component', () => {
    // The spec's rules, component by component (basic profile "URIs"); `isValidUri` checks them
    // in one pass. Lone surrogates and non-ASCII whitespace are in the alphabet on purpose.
    const component = { loose: '[^\\s.#]', strict: '[0-9a-z_]' };
    const reference = (strict: boolean, match: MatchPolicyValue): RegExp => {
      const c = strict ? component.strict : component.loose;
      const last = match === 'exact' ? `${c}+` : `${c}*`;
      const inner = match === 'wildcard' ? `${c}*` : `${c}+`;
      return new RegExp(`^(${inner}\\.)*(${last})$`, 'u');
    };
    const alphabet = [
      'a',
      'z',
      'Q',
      '_',
      '0',
      '-',
      '.',
      '#',
      ' ',
      '\t',
      '\n',
      '\u00a0',
      '\u2028',
      '\u3000',
      '\ufeff',
      'é',
      '\ud83d',
      '\ude00',
    ];
    const uris = fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        uris,
        fc.boolean(),
        fc.constantFrom<MatchPolicyValue>('exact', 'prefix', 'wildcard'),
        (uri, strict, match) => {
          // The one departure from the per-component rules: the empty prefix (every URI).
          const expected = uri.length > 0 ? reference(strict, match).test(uri) : match === 'prefix';
          expect(isValidUri(uri, { strict, match })).toBe(expected);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('rejects an unknown match policy', () => {
    expect(isValidUri('com.a', { match: 'regex' as MatchPolicyValue })).toBe(false);
  });
});

describe('matchesPattern', () => {
  const cases: [uri: string, pattern: string, match: MatchPolicyValue, matches: boolean][] = [
    ['com.myapp.topic', 'com.myapp.topic', 'exact', true],
    ['com.myapp.topic', 'com.myapp', 'exact', false],
    // Prefix matching is by characters, as in Crossbar: 'com.myapp' also matches 'com.myapp2'.
    ['com.myapp.topic', 'com.myapp', 'prefix', true],
    ['com.myapp.topic', 'com.myapp.', 'prefix', true],
    ['com.myapp2.topic', 'com.myapp', 'prefix', true],
    ['com.myapp2.topic', 'com.myapp.', 'prefix', false],
    ['com.myapp', 'com.myapp', 'prefix', true],
    ['com.my', 'com.myapp', 'prefix', false],
    // Wildcard: same number of components, empty pattern components match any component.
    ['com.myapp.update', 'com..update', 'wildcard', true],
    ['com.other.update', 'com..update', 'wildcard', true],
    ['com.myapp.create', 'com..update', 'wildcard', false],
    ['com.myapp.sub.update', 'com..update', 'wildcard', false],
    ['com.update', 'com..update', 'wildcard', false],
    ['a.b.c', '..', 'wildcard', true],
    ['a.b', '..', 'wildcard', false],
    ['a.b.c', 'a.b.c', 'wildcard', true],
    ['a.b.cd', 'a.b.c', 'wildcard', false],
    ['a.bc.d', 'a.b.d', 'wildcard', false],
    ['ab.c', 'a.c', 'wildcard', false],
    ['x.y', '.y', 'wildcard', true],
    ['x.y', 'x.', 'wildcard', true],
    ['x', '', 'wildcard', true],
  ];
  it.each(cases)('%j against %j (%s) is %s', (uri, pattern, match, matches) => {
    expect(matchesPattern(uri, pattern, match)).toBe(matches);
  });

  it('agrees with a component-by-component reference for wildcards', () => {
    const reference = (uri: string, pattern: string): boolean => {
      const u = uri.split('.');
      const p = pattern.split('.');
      return u.length === p.length && p.every((c, i) => c === '' || c === u[i]);
    };
    const parts = ['a', 'b', 'ab', ''];
    const all: string[] = [];
    for (const x of parts) for (const y of parts) for (const z of parts) all.push(x, `${x}.${y}`, `${x}.${y}.${z}`);
    for (const uri of all.filter((u) => isValidUri(u))) {
      for (const pattern of all)
        expect(matchesPattern(uri, pattern, 'wildcard'), `${uri} ~ ${pattern}`).toBe(reference(uri, pattern));
    }
  });
});

describe('MatchPolicy', () => {
  it('names the three policies of the spec', () => {
    expect(Object.values(MatchPolicy)).toEqual(['exact', 'prefix', 'wildcard']);
    expect(isMatchPolicy('prefix')).toBe(true);
    expect(isMatchPolicy('Prefix')).toBe(false);
    expect(isMatchPolicy(1)).toBe(false);
  });
});

describe('uriComponentCount', () => {
  it.each([
    ['a', 1],
    ['a.b', 2],
    ['a..c', 3],
    ['..', 3],
  ] as const)('%j has %i components', (uri, n) => {
    expect(uriComponentCount(uri)).toBe(n);
  });
});
