import { describe, expect, it } from 'vitest';
import { PatternIndex } from '../src/pattern-index.js';

function matches(index: PatternIndex<string>, uri: string): string[] {
  const found: string[] = [];
  index.forEachMatch(uri, (value, match) => found.push(`${match}:${value}`));
  return found;
}

describe('PatternIndex', () => {
  it('finds exact, prefix and wildcard entries for a URI, in that order', () => {
    const index = new PatternIndex<string>();
    index.set('com.a.b', 'wildcard', 'w-abc');
    index.set('com..b', 'wildcard', 'w');
    index.set('com.a', 'prefix', 'p-short');
    index.set('com.a.b', 'prefix', 'p-long');
    index.set('com.a.b', 'exact', 'e');
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
    index.set('a..c', 'wildcard', 'w');
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
    index.set('com.a', 'prefix', 'one');
    index.set('com.a', 'prefix', 'two');
    index.set('com.b', 'prefix', 'three');
    index.set('x..z', 'wildcard', 'w');
    expect(index.size).toBe(3);
    expect(matches(index, 'com.a.1')).toEqual(['prefix:two']);
    expect(index.delete('com.a', 'prefix')).toBe(true);
    expect(index.delete('com.a', 'prefix')).toBe(false);
    expect(matches(index, 'com.a.1')).toEqual([]);
    expect(matches(index, 'com.b.1')).toEqual(['prefix:three']);
    expect(index.delete('x..z', 'wildcard')).toBe(true);
    expect(matches(index, 'x.y.z')).toEqual([]);
    expect(index.size).toBe(1);
  });
});
