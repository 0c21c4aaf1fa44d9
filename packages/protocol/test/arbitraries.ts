/**
 * fast-check generators of valid WAMP messages, for the property tests.
 */
import fc from 'fast-check';
import type { Dict, Payload, WampMessage } from '../src/messages.js';

/** IDs over the whole range 1..2^53, with small ones and the boundaries well represented. */
export const id = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  fc.maxSafeNat().map((n) => n + 1),
  fc.constantFrom(1, 2 ** 32 - 1, 2 ** 32, 2 ** 53),
);

const component = fc.stringMatching(/^[a-z0-9_]{1,6}$/);
const looseComponent = fc.stringMatching(/^[a-zA-Z0-9_\-ü:]{1,6}$/);
export const uri = fc
  .array(fc.oneof(component, looseComponent), { minLength: 1, maxLength: 4 })
  .map((c) => c.join('.'));
const prefixPattern = fc.tuple(uri, fc.boolean()).map(([u, dot]) => (dot ? `${u}.` : u));
const wildcardPattern = fc
  .array(fc.oneof(component, fc.constant('')), { minLength: 2, maxLength: 4 })
  .map((c) => c.join('.'));

/** Options for the value generator: JSON cannot carry bigint exactly. */
export interface ValueOptions {
  bigint: boolean;
}

/** Any value a WAMP payload can carry through every serializer unchanged. */
export function payloadValue(options: ValueOptions): fc.Arbitrary<unknown> {
  const leaves: fc.Arbitrary<unknown>[] = [
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.constantFrom(2 ** 53, -(2 ** 53), 2 ** 32, -(2 ** 31) - 1, 2 ** 60),
    // -0 becomes 0 in JSON and as a msgpack/CBOR integer; NaN and Infinity have no JSON form.
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
    // A string starting with NUL means binary in JSON (spec: binary convention).
    fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.startsWith('\u0000')),
    fc.uint8Array({ maxLength: 16 }),
  ];
  if (options.bigint) {
    // Only integers beyond 2^53 stay bigint after decoding; smaller ones become numbers.
    leaves.push(
      fc.oneof(
        fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) - 1n }),
      ),
    );
  }
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(...leaves),
      fc.array(tie('value'), { maxLength: 4 }),
      dictOf(tie('value')),
    ),
  }));
  return value;
}

/** Dicts with any keys but `__proto__` (msgpackr and cbor-x rename it, on purpose). */
function dictOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<Dict> {
  return fc.dictionary(
    fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
    value,
    { maxKeys: 4 },
  );
}

/** Options or Details: some known keys with valid values, plus implementation-specific ones. */
function optionsDict(value: fc.Arbitrary<unknown>, known: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Dict> {
  return fc
    .tuple(
      fc.record(known, { requiredKeys: [] }),
      fc.dictionary(fc.stringMatching(/^(_[a-z0-9_]{3,6}|x_[a-z]{2,5})$/), value, { maxKeys: 2 }),
    )
    .map(([a, b]) => ({ ...b, ...a }));
}

function payload(value: fc.Arbitrary<unknown>): fc.Arbitrary<Payload> {
  const args = fc.array(value, { maxLength: 4 });
  return fc.oneof(
    fc.constant({}),
    args.map((a) => ({ args: a })),
    fc.tuple(args, dictOf(value)).map(([a, k]) => ({ args: a, kwargs: k })),
  );
}

/** Every message type, valid, with payloads from `payloadValue(options)`. */
export function wampMessage(options: ValueOptions): fc.Arbitrary<WampMessage> {
  const value = payloadValue(options);
  const details = optionsDict(value, {});
  const roles = fc.record(
    {
      caller: fc.constant({}),
      callee: fc.constant({ features: { call_canceling: true } }),
      subscriber: fc.constant({}),
    },
    { requiredKeys: ['caller'] },
  );
  const publishOptions = optionsDict(value, {
    acknowledge: fc.boolean(),
    exclude_me: fc.boolean(),
    exclude: fc.array(id, { maxLength: 3 }),
    eligible_authid: fc.array(fc.string(), { maxLength: 3 }),
    retain: fc.boolean(),
  });
  const callOptions = optionsDict(value, {
    timeout: fc.nat(),
    receive_progress: fc.boolean(),
    disclose_me: fc.boolean(),
  });
  const withPayload = <T extends object>(head: fc.Arbitrary<T>) =>
    fc.tuple(head, payload(value)).map(([h, p]) => ({ ...h, ...p }));
  const passthru = fc.record({
    ppt_scheme: fc.constantFrom('mqtt', 'wamp.eth', 'x_custom'),
    ppt_serializer: fc.constantFrom('cbor', 'json', 'mqtt'),
  });

  const messages: fc.Arbitrary<WampMessage>[] = [
    fc.record({
      type: fc.constant('HELLO' as const),
      realm: uri,
      details: roles.map((r) => ({ roles: r, agent: 'test' })),
    }),
    fc.record({ type: fc.constant('WELCOME' as const), session: id, details: roles.map((r) => ({ roles: r })) }),
    fc.record({ type: fc.constant('ABORT' as const), details, reason: uri }),
    fc.record({
      type: fc.constant('CHALLENGE' as const),
      authMethod: fc.constantFrom('wampcra', 'ticket', 'cryptosign'),
      extra: details,
    }),
    fc.record({ type: fc.constant('AUTHENTICATE' as const), signature: fc.string(), extra: details }),
    fc.record({ type: fc.constant('GOODBYE' as const), details, reason: uri }),
    withPayload(
      fc.record({
        type: fc.constant('ERROR' as const),
        requestType: fc.constantFrom(16, 32, 34, 48, 64, 66, 68),
        requestId: id,
        details,
        error: uri,
      }),
    ),
    withPayload(
      fc.record({ type: fc.constant('PUBLISH' as const), requestId: id, options: publishOptions, topic: uri }),
    ),
    fc.record({ type: fc.constant('PUBLISHED' as const), requestId: id, publication: id }),
    fc.oneof(
      fc.record({ type: fc.constant('SUBSCRIBE' as const), requestId: id, options: fc.constant({}), topic: uri }),
      fc.record({
        type: fc.constant('SUBSCRIBE' as const),
        requestId: id,
        options: fc.constant({ match: 'prefix' }),
        topic: prefixPattern,
      }),
      fc.record({
        type: fc.constant('SUBSCRIBE' as const),
        requestId: id,
        options: fc.constant({ match: 'wildcard' }),
        topic: wildcardPattern,
      }),
    ),
    fc.record({ type: fc.constant('SUBSCRIBED' as const), requestId: id, subscription: id }),
    fc.record({ type: fc.constant('UNSUBSCRIBE' as const), requestId: id, subscription: id }),
    fc.record({ type: fc.constant('UNSUBSCRIBED' as const), requestId: id }),
    fc.record({
      type: fc.constant('UNSUBSCRIBED' as const),
      requestId: fc.constant(0),
      details: fc.record({ subscription: id, reason: uri }),
    }),
    withPayload(
      fc.record({
        type: fc.constant('EVENT' as const),
        subscription: id,
        publication: id,
        details: optionsDict(value, { publisher: id, topic: uri }),
      }),
    ),
    withPayload(fc.record({ type: fc.constant('CALL' as const), requestId: id, options: callOptions, procedure: uri })),
    fc.record({
      type: fc.constant('CANCEL' as const),
      requestId: id,
      options: fc.record({ mode: fc.constantFrom('skip', 'kill', 'killnowait') }, { requiredKeys: [] }),
    }),
    withPayload(
      fc.record({
        type: fc.constant('RESULT' as const),
        requestId: id,
        details: optionsDict(value, { progress: fc.boolean() }),
      }),
    ),
    fc.oneof(
      fc.record({
        type: fc.constant('REGISTER' as const),
        requestId: id,
        options: fc.constant({ invoke: 'roundrobin' }),
        procedure: uri,
      }),
      fc.record({
        type: fc.constant('REGISTER' as const),
        requestId: id,
        options: fc.constant({ match: 'wildcard' }),
        procedure: wildcardPattern,
      }),
    ),
    fc.record({ type: fc.constant('REGISTERED' as const), requestId: id, registration: id }),
    fc.record({ type: fc.constant('UNREGISTER' as const), requestId: id, registration: id }),
    fc.record({ type: fc.constant('UNREGISTERED' as const), requestId: id }),
    withPayload(
      fc.record({
        type: fc.constant('INVOCATION' as const),
        requestId: id,
        registration: id,
        details: optionsDict(value, { caller: id, procedure: uri }),
      }),
    ),
    fc.record({
      type: fc.constant('INTERRUPT' as const),
      requestId: id,
      options: fc.record({ mode: fc.constantFrom('kill', 'killnowait') }, { requiredKeys: [] }),
    }),
    withPayload(
      fc.record({
        type: fc.constant('YIELD' as const),
        requestId: id,
        options: optionsDict(value, { progress: fc.boolean() }),
      }),
    ),
    // Payload passthru: an opaque binary payload instead of args/kwargs.
    fc.record({
      type: fc.constant('CALL' as const),
      requestId: id,
      options: passthru,
      procedure: uri,
      payload: fc.uint8Array({ maxLength: 32 }),
    }),
    fc.record({
      type: fc.constant('EVENT' as const),
      subscription: id,
      publication: id,
      details: passthru,
      payload: fc.uint8Array({ maxLength: 32 }),
    }),
  ];
  return fc.oneof(...messages);
}
