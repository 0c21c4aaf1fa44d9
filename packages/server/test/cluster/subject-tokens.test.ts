import { isValidUri, matchesPattern } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { interestSubject, subjectToken, uriSubject } from '../../src/cluster/subject-tokens.js';

/** NATS's own subject matching: `*` one token, `>` one or more trailing tokens. */
function natsMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

describe('subject tokens', () => {
  it('keeps plain characters and escapes the rest, so no token holds ".", "*", ">" or spaces', () => {
    expect(subjectToken('com')).toBe('com');
    expect(subjectToken('a-b')).toBe('a-b');
    expect(subjectToken('a_b')).toBe('a_5Fb');
    expect(subjectToken('*')).toBe('_2A');
    expect(subjectToken('>')).toBe('_3E');
    expect(subjectToken('realm.one')).toBe('realm_2Eone');
    expect(subjectToken('ü')).toBe('_C3_BC');
    expect(subjectToken('')).toBe('_');
    for (const token of [subjectToken('x y'), subjectToken('a.b'), subjectToken('*'), subjectToken('\t')]) {
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('never maps two different components to one token', () => {
    const components = ['a_5F', 'a_', 'a', '_', '', 'a-', '_5F', 'A', '*', '>'];
    const tokens = new Set(components.map(subjectToken));
    expect(tokens.size).toBe(components.length);
  });

  it('maps a topic to one token per URI component', () => {
    expect(uriSubject('x.ev.r', 'com.example.topic')).toBe('x.ev.r.com.example.topic');
  });
});

describe('interest subjects: every topic a WAMP subscription matches reaches the node', () => {
  const topics = [
    'com.example',
    'com.example.x',
    'com.examples',
    'com.ex',
    'com.ex.y',
    'com.e',
    'com',
    'org.example.x',
    'com.example.x.y',
    'a.b.c',
    'a.x.c',
    'a.b.c.d',
    'a_b.c',
  ];
  const subscriptions: [string, string][] = [
    ['com.example', 'exact'],
    ['com.ex', 'prefix'],
    ['com.example', 'prefix'],
    ['com.example.', 'prefix'],
    ['com', 'prefix'],
    ['c', 'prefix'],
    ['a..c', 'wildcard'],
    ['.b.', 'wildcard'],
    ['a_b.c', 'exact'],
  ];
  for (const [pattern, match] of subscriptions) {
    it(`${match} '${pattern}'`, () => {
      const interest = interestSubject('p.ev.r', pattern, match);
      for (const topic of topics) {
        if (!isValidUri(topic)) continue;
        const wamp = matchesPattern(topic, pattern, match as 'exact' | 'prefix' | 'wildcard');
        const nats = natsMatches(interest, uriSubject('p.ev.r', topic));
        // Coarse: NATS may deliver more (the broker filters), never less.
        if (wamp) expect(nats, `${topic} must reach ${match} '${pattern}' (${interest})`).toBe(true);
      }
    });
  }

  it('the prefix trap: WAMP prefix "com.ex" matches "com.example.x" by characters', () => {
    expect(interestSubject('p', 'com.ex', 'prefix')).toBe('p.com.>');
    expect(natsMatches('p.com.>', uriSubject('p', 'com.example.x'))).toBe(true);
  });
});
