import { type MatchPolicyValue, matchesPattern } from '@interchange/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PatternIndex } from '../src/matching/pattern-index.js';

/** The values matching `uri`; the tests' values name their policy (`wildcard:w`). */
function matches(index: PatternIndex<string>, uri: string): string[] {
  const found: string[] = [];
  index.collectMatches(uri, found);
  return found;
}

describe('PatternIndex', () => {
  it('finds exact, prefix and wildcard entries for a URI, in that order', () => {
    const index = new PatternIndex<string>();
    index.set('com.a.b', 'wildcard', 'wildcard:w-abc');
    index.set('com..b', 'wildcard', 'wildcard:w');
    index.set('com.a', 'prefix', 'prefix:p-short');
    index.set('com.a.b', 'prefix', 'prefix:p-long');
    index.set('com.a.b', 'exact', 'exact:e');
    expect(matches(index, 'com.a.b')).toEqual([
      'exact:e',
      'prefix:p-short',
      'prefix:p-long',
      'wildcard:w-abc',
      'wildcard:w',
    ]);
    expect(matches(index, 'com.z.b')).toEqual(['wildcard:w']);
    expect(matches(index, 'com.ab')).toEqual(['prefix:p-short']);
    expect(matches(index, 'org.a.b')).toEqual([]);
  });

  it('matches wildcards only against URIs with as many components', () => {
    const index = new PatternIndex<string>();
    index.set('a..c', 'wildcard', 'wildcard:w');
    expect(matches(index, 'a.b.c')).toEqual(['wildcard:w']);
    expect(matches(index, 'a.b.c.d')).toEqual([]);
    expect(matches(index, 'a.c')).toEqual([]);
  });

  it('keeps entries of the same URI under different policies apart', () => {
    const index = new PatternIndex<string>();
    index.set('com.a', 'exact', 'e');
    index.set('com.a', 'prefix', 'p');
    expect(index.get('com.a', 'exact')).toBe('e');
    expect(index.get('com.a', 'prefix')).toBe('p');
    expect(index.get('com.a', 'wildcard')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('replaces an entry without growing, and deletes entries', () => {
    const index = new PatternIndex<string>();
    index.set('com.a', 'prefix', 'prefix:one');
    index.set('com.a', 'prefix', 'prefix:two');
    index.set('com.b', 'prefix', 'prefix:three');
    index.set('x..z', 'wildcard', 'wildcard:w');
    expect(index.size).toBe(3);
    expect(matches(index, 'com.a.1')).toEqual(['prefix:two']);
    expect(index.delete('com.a', 'prefix')).toBe(true);
    expect(index.delete('com.a', 'prefix')).toBe(false);
    expect(matches(index, 'com.a.1')).toEqual([]);
    expect(matches(index, 'com.b.1')).toEqual(['prefix:three']);
    expect(index.delete('x..z', 'wildcard')).toBe(true);
    expect(index.delete('x..z', 'wildcard')).toBe(false);
    expect(matches(index, 'x.y.z')).toEqual([]);
    expect(index.size).toBe(1);
  });

  it('replaces a wildcard entry, and keeps the patterns that share its branches when one goes', () => {
    const index = new PatternIndex<string>();
    index.set('a..c', 'wildcard', 'one');
    index.set('a..c', 'wildcard', 'two');
    index.set('a.b.c', 'wildcard', 'abc');
    index.set('a..c.d', 'wildcard', 'longer');
    index.set('a.', 'wildcard', 'a-any');
    expect(index.size).toBe(4);
    expect(index.get('a..c', 'wildcard')).toBe('two');
    expect(matches(index, 'a.b.c')).toEqual(['abc', 'two']);
    expect(index.delete('a..c', 'wildcard')).toBe(true);
    expect(matches(index, 'a.b.c')).toEqual(['abc']);
    expect(matches(index, 'a.x.c.d')).toEqual(['longer']);
    expect(index.delete('a.b.c', 'wildcard')).toBe(true);
    expect(index.delete('a..c.d', 'wildcard')).toBe(true);
    expect(matches(index, 'a.b.c')).toEqual([]);
    expect(matches(index, 'a.x.c.d')).toEqual([]);
    expect(matches(index, 'a.z')).toEqual(['a-any']);
    expect(index.size).toBe(1);
  });

  it('finds what the naive matcher finds, for many patterns added and removed', () => {
    // Few distinct components, so that patterns overlap, share branches and match often.
    const component = fc.constantFrom('a', 'b', 'c', 'ab');
    const uri = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
    const pattern = fc
      .array(fc.oneof(component, fc.constant('')), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join('.'));
    const policy = fc.constantFrom<MatchPolicyValue>('exact', 'prefix', 'wildcard');
    const operation = fc.record({ add: fc.boolean(), pattern, policy });
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 80 }),
        fc.array(uri, { minLength: 1, maxLength: 20 }),
        (ops, uris) => {
          const index = new PatternIndex<string>();
          const live = new Map<string, [string, MatchPolicyValue]>();
          for (const { add, pattern: p, policy: match } of ops) {
            const key = `${match} ${p}`;
            if (add) {
              index.set(p, match, key);
              live.set(key, [p, match]);
            } else {
              expect(index.delete(p, match)).toBe(live.delete(key));
            }
          }
          expect(index.size).toBe(live.size);
          for (const u of uris) {
            const expected = [...live]
              .filter(([, [p, match]]) => matchesPattern(u, p, match))
              .map(([key]) => key)
              .sort();
            expect(matches(index, u).sort()).toEqual(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('looks up one URI among thousands of wildcard patterns', () => {
    const index = new PatternIndex<number>();
    // 4,096 patterns of four components, each either concrete or empty.
    for (let i = 0; i < 4096; i++) {
      const parts = [0, 1, 2, 3].map((level) => {
        const digit = (i >> (level * 3)) & 7;
        return digit === 0 ? '' : `c${digit}`;
      });
      index.set(parts.join('.'), 'wildcard', i);
    }
    const found: number[] = [];
    index.collectMatches('c1.c2.c3.c4', found);
    // At each level the matching patterns are the concrete one or the empty one: 2^4.
    expect(found).toHaveLength(16);
    for (const i of found) {
      const pattern = [0, 1, 2, 3].map((level) => ((i >> (level * 3)) & 7 ? `c${(i >> (level * 3)) & 7}` : ''));
      expect(matchesPattern('c1.c2.c3.c4', pattern.join('.'), 'wildcard')).toBe(true);
    }
  });
});
