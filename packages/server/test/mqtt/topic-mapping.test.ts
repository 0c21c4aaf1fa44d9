/** MQTT topics and filters to WAMP URIs and patterns, and back: table-driven. */
import { describe, expect, it } from 'vitest';
import { filterMatches, filterToPatterns, topicToUri, uriToTopic } from '../../src/mqtt/topic-mapping.js';

describe('topicToUri', () => {
  it.each([
    ['a', 'a'],
    ['a/b/c', 'a.b.c'],
    ['com/example/Temp_1', 'com.example.Temp_1'],
  ])('maps %s to %s', (topic, uri) => expect(topicToUri(topic)).toBe(uri));

  it.each([
    ['', 'invalid'],
    ['a/+/c', 'invalid'],
    ['a/#', 'invalid'],
    ['$SYS/broker', 'unmappable'],
    ['a//b', 'unmappable'],
    ['/a', 'unmappable'],
    ['a/', 'unmappable'],
    ['a.b/c', 'unmappable'],
    ['a b/c', 'unmappable'],
  ])('refuses %j (%s)', (topic, kind) => expect(topicToUri(topic)).toMatchObject({ kind }));
});

describe('uriToTopic', () => {
  it.each([
    ['a.b.c', 'a/b/c'],
    ['x', 'x'],
    ['a+b.c', undefined],
    ['a/b.c', undefined],
    ['$SYS.x', undefined],
  ])('maps %s to %s', (uri, topic) => expect(uriToTopic(uri)).toBe(topic));
});

describe('filterToPatterns', () => {
  it.each([
    ['a/b', [{ uri: 'a.b', match: 'exact' }]],
    ['#', [{ uri: '', match: 'prefix' }]],
    [
      'a/b/#',
      [
        { uri: 'a.b.', match: 'prefix' },
        { uri: 'a.b', match: 'exact' },
      ],
    ],
    ['a/+/c', [{ uri: 'a..c', match: 'wildcard' }]],
    ['+/b', [{ uri: '.b', match: 'wildcard' }]],
    ['+/+', [{ uri: '.', match: 'wildcard' }]],
  ])('maps %s', (filter, patterns) => expect(filterToPatterns(filter)).toEqual(patterns));

  it.each([
    ['', 'invalid'],
    ['a/#/b', 'invalid'],
    ['a/b#', 'invalid'],
    ['a+/b', 'invalid'],
    ['a/+/#', 'mixed-wildcards'],
    ['$SYS/#', 'unmappable'],
    ['$share/group/a', 'shared'],
    ['a//b', 'unmappable'],
    ['+', 'unmappable'],
  ])('refuses %j (%s)', (filter, kind) => expect(filterToPatterns(filter)).toMatchObject({ kind }));
});

describe('filterMatches', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', '$SYS/x', false],
    ['+/x', '$SYS/x', false],
    ['a/b', 'a/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => expect(filterMatches(filter, topic)).toBe(expected));
});
