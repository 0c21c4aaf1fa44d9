/**
 * MQTT topics and WAMP URIs: a topic's levels are a URI's components (`a/b/c` is `a.b.c`), and a
 * topic filter's wildcards are WAMP's pattern-based subscriptions (`a/+/c` is the wildcard
 * `a..c`, `a/#` the prefix `a.` together with `a` itself, which MQTT's `#` also matches; spec:
 * MQTT 5.0 section 4.7.1.2). What has no WAMP form is reported, not guessed: empty levels (WAMP
 * components are never empty), levels holding a `.` (it would split into two components),
 * `$` topics (reserved to the broker, section 4.7.2), and filters that mix `+` with `#`
 * (a WAMP subscription is either wildcard or prefix).
 */
import { isValidUri } from '@interchange/protocol';

/** One WAMP subscription an MQTT topic filter becomes. */
export interface WampPattern {
  uri: string;
  match: 'exact' | 'prefix' | 'wildcard';
}

/** Why a topic or filter has no WAMP form: `invalid` breaks MQTT's own rules, `unmappable` is valid MQTT that WAMP cannot say. */
export type TopicProblem = { kind: 'invalid' | 'unmappable' | 'shared' | 'mixed-wildcards'; reason: string };

/** Checks the levels of a topic name or filter (wildcard levels aside), as WAMP URI components. */
function levelProblem(levels: readonly string[], what: string): TopicProblem | undefined {
  for (const level of levels) {
    if (level === '+' || level === '#') continue;
    if (level === '')
      return { kind: 'unmappable', reason: `${what} has an empty level, which no WAMP URI component can be` };
    if (level.includes('.'))
      return { kind: 'unmappable', reason: `${what} has a level holding ".", the WAMP URI separator` };
    if (/[\s#]/.test(level))
      return { kind: 'unmappable', reason: `${what} has a level with white space, invalid in a WAMP URI` };
  }
  return undefined;
}

/**
 * The WAMP URI of an MQTT topic name (PUBLISH, will), or what is wrong with it.
 *
 * @example
 * topicToUri('com/example/temp'); // 'com.example.temp'
 */
export function topicToUri(topic: string): string | TopicProblem {
  if (topic === '') return { kind: 'invalid', reason: 'empty topic name' };
  if (topic.includes('+') || topic.includes('#'))
    return { kind: 'invalid', reason: 'a topic name must not hold wildcards (MQTT 3.1.1 section 4.7.1)' };
  if (topic.startsWith('$')) return { kind: 'unmappable', reason: '"$" topics are reserved to the broker' };
  const problem = levelProblem(topic.split('/'), 'the topic');
  if (problem !== undefined) return problem;
  const uri = topic.split('/').join('.');
  return isValidUri(uri) ? uri : { kind: 'unmappable', reason: 'the topic is no valid WAMP URI' };
}

/**
 * The MQTT topic name of a WAMP URI, or `undefined` when it would not be a valid one to send
 * (a component holding `+`, `#` or `/`, or a `$` start that `#` subscribers must not see).
 */
export function uriToTopic(uri: string): string | undefined {
  if (uri.startsWith('$') || uri.includes('+') || uri.includes('/') || uri.includes('#')) return undefined;
  return uri.split('.').join('/');
}

/**
 * The WAMP subscriptions of an MQTT topic filter, or what is wrong with it.
 *
 * @example
 * filterToPatterns('sensors/+/temp'); // [{ uri: 'sensors..temp', match: 'wildcard' }]
 * filterToPatterns('sensors/#'); // [{ uri: 'sensors.', match: 'prefix' }, { uri: 'sensors', match: 'exact' }]
 */
export function filterToPatterns(filter: string): WampPattern[] | TopicProblem {
  if (filter === '') return { kind: 'invalid', reason: 'empty topic filter' };
  if (filter.startsWith('$share/')) return { kind: 'shared', reason: 'shared subscriptions are not supported' };
  if (filter.startsWith('$')) return { kind: 'unmappable', reason: '"$" topics are reserved to the broker' };
  const levels = filter.split('/');
  for (const [index, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1))
      return { kind: 'invalid', reason: '"#" must be a whole level and the last one (MQTT 3.1.1 section 4.7.1.2)' };
    if (level.includes('+') && level !== '+')
      return { kind: 'invalid', reason: '"+" must be a whole level (MQTT 3.1.1 section 4.7.1.3)' };
  }
  const problem = levelProblem(levels, 'the filter');
  if (problem !== undefined) return problem;
  const multi = levels[levels.length - 1] === '#';
  const single = levels.includes('+');
  if (multi && single)
    return {
      kind: 'mixed-wildcards',
      reason: 'a filter with both "+" and "#" has no WAMP form (wildcard or prefix, not both)',
    };
  if (multi) {
    if (levels.length === 1) return [{ uri: '', match: 'prefix' }];
    const parent = levels.slice(0, -1).join('.');
    return [
      { uri: `${parent}.`, match: 'prefix' },
      { uri: parent, match: 'exact' },
    ];
  }
  if (single) {
    const uri = levels.map((level) => (level === '+' ? '' : level)).join('.');
    // `+` alone would be the empty wildcard, which WAMP has no form for.
    if (uri === '' || !isValidUri(uri, { match: 'wildcard' }))
      return { kind: 'unmappable', reason: 'a filter of one "+" level has no WAMP form' };
    return [{ uri, match: 'wildcard' }];
  }
  return [{ uri: levels.join('.'), match: 'exact' }];
}

/** Whether an MQTT topic filter matches a topic name (MQTT 3.1.1 section 4.7). */
export function filterMatches(filter: string, topic: string): boolean {
  const want = filter.split('/');
  const have = topic.split('/');
  for (const [index, level] of want.entries()) {
    if (level === '#') return !(index === 0 && topic.startsWith('$'));
    if (index >= have.length) return false;
    if (level === '+') {
      if (index === 0 && topic.startsWith('$')) return false;
      continue;
    }
    if (level !== have[index]) return false;
  }
  return want.length === have.length;
}
