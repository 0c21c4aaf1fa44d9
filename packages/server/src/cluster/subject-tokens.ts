/**
 * WAMP URIs as NATS subjects (docs/scaling.md). A URI component becomes one subject token:
 * letters, digits and `-` stay, every other character becomes `_` and two hex digits per UTF-8
 * byte, so a token never holds NATS's separator `.`, its wildcards `*` and `>`, or whitespace,
 * and two different components never share a token. An empty component (which only a wildcard
 * pattern has) is `_`, a token no escaped component can be.
 */

const PLAIN = /^[A-Za-z0-9-]$/;
const encoder = new TextEncoder();

/** One URI component (or a realm name, dots and all) as one NATS subject token. */
export function subjectToken(component: string): string {
  if (component === '') return '_';
  let token = '';
  for (const char of component) {
    if (PLAIN.test(char)) {
      token += char;
      continue;
    }
    for (const byte of encoder.encode(char)) token += `_${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return token;
}

/** A topic or procedure URI as subject tokens under `base`: `base.com.example.x`. */
export function uriSubject(base: string, uri: string): string {
  let subject = base;
  for (const component of uri.split('.')) subject += `.${subjectToken(component)}`;
  return subject;
}

/**
 * The NATS subject a node subscribes to for a WAMP subscription: coarse enough to receive every
 * publication the subscription matches, and the receiving broker applies WAMP's exact rules
 * again.
 *
 * - `exact`: the topic's own subject.
 * - `wildcard`: empty components become `*` (a WAMP wildcard matches one whole component, as `*`
 *   matches one whole token).
 * - `prefix`: WAMP matches by characters (`com.ex` matches `com.example.x`), NATS `>` by whole
 *   tokens; so the last, possibly partial, component is dropped and `>` takes its place
 *   (`com.ex` → `base.com.>`). `>` needs one token at least, and a topic always has the
 *   component the prefix cut into, so nothing that matches is missed.
 */
export function interestSubject(base: string, topic: string, match: string): string {
  if (match === 'exact') return uriSubject(base, topic);
  const components = topic.split('.');
  if (match === 'wildcard') {
    let subject = base;
    for (const component of components) subject += component === '' ? '.*' : `.${subjectToken(component)}`;
    return subject;
  }
  let subject = base;
  for (const component of components.slice(0, -1)) subject += `.${subjectToken(component)}`;
  return `${subject}.>`;
}

/** Whether `token` can be used as is in a subject or a KV key: a cluster name or a node ID. */
export function isPlainToken(token: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(token);
}
