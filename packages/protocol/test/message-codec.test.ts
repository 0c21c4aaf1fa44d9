import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../src/errors.js';
import { isPassthru, messageFromArray, messageToArray } from '../src/message-codec.js';
import { MessageCode } from '../src/message-codes.js';
import type { WampMessage } from '../src/messages.js';

const BIG = 2 ** 53;
const bytes = new Uint8Array([1, 2, 3]);

/** One message of every type, with its wire array. */
const ROUND_TRIPS: [WampMessage, unknown[]][] = [
  [
    {
      type: 'HELLO',
      realm: 'com.example',
      details: { roles: { caller: {}, callee: { features: { call_canceling: true } } } },
    },
    [1, 'com.example', { roles: { caller: {}, callee: { features: { call_canceling: true } } } }],
  ],
  [
    { type: 'WELCOME', session: BIG, details: { roles: { dealer: {} }, authid: 'alice', authrole: 'user' } },
    [2, BIG, { roles: { dealer: {} }, authid: 'alice', authrole: 'user' }],
  ],
  [
    { type: 'ABORT', details: { message: 'no such realm' }, reason: 'wamp.error.no_such_realm' },
    [3, { message: 'no such realm' }, 'wamp.error.no_such_realm'],
  ],
  [{ type: 'CHALLENGE', authMethod: 'wampcra', extra: { challenge: '{}' } }, [4, 'wampcra', { challenge: '{}' }]],
  [{ type: 'AUTHENTICATE', signature: 'c2ln', extra: {} }, [5, 'c2ln', {}]],
  [{ type: 'GOODBYE', details: {}, reason: 'wamp.close.normal' }, [6, {}, 'wamp.close.normal']],
  [
    {
      type: 'ERROR',
      requestType: 48,
      requestId: 7,
      details: {},
      error: 'com.myapp.error',
      args: ['x'],
      kwargs: { a: 1 },
    },
    [8, 48, 7, {}, 'com.myapp.error', ['x'], { a: 1 }],
  ],
  [
    { type: 'PUBLISH', requestId: 1, options: { acknowledge: true }, topic: 'com.t', args: [1] },
    [16, 1, { acknowledge: true }, 'com.t', [1]],
  ],
  [{ type: 'PUBLISHED', requestId: 1, publication: 2 ** 40 }, [17, 1, 2 ** 40]],
  [
    { type: 'SUBSCRIBE', requestId: 2, options: { match: 'prefix' }, topic: 'com.' },
    [32, 2, { match: 'prefix' }, 'com.'],
  ],
  [{ type: 'SUBSCRIBED', requestId: 2, subscription: 3 }, [33, 2, 3]],
  [{ type: 'UNSUBSCRIBE', requestId: 4, subscription: 3 }, [34, 4, 3]],
  [{ type: 'UNSUBSCRIBED', requestId: 4 }, [35, 4]],
  [
    { type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: 3, reason: 'wamp.authentication.lost' } },
    [35, 0, { subscription: 3, reason: 'wamp.authentication.lost' }],
  ],
  [
    { type: 'EVENT', subscription: 3, publication: 5, details: { publisher: 9 }, kwargs: { k: 'v' }, args: [] },
    [36, 3, 5, { publisher: 9 }, [], { k: 'v' }],
  ],
  [
    { type: 'CALL', requestId: 6, options: { timeout: 1000, receive_progress: true }, procedure: 'com.add' },
    [48, 6, { timeout: 1000, receive_progress: true }, 'com.add'],
  ],
  [{ type: 'CANCEL', requestId: 6, options: { mode: 'killnowait' } }, [49, 6, { mode: 'killnowait' }]],
  [{ type: 'RESULT', requestId: 6, details: { progress: true }, args: [5] }, [50, 6, { progress: true }, [5]]],
  [
    { type: 'REGISTER', requestId: 7, options: { match: 'wildcard', invoke: 'roundrobin' }, procedure: 'com..add' },
    [64, 7, { match: 'wildcard', invoke: 'roundrobin' }, 'com..add'],
  ],
  [{ type: 'REGISTERED', requestId: 7, registration: 8 }, [65, 7, 8]],
  [{ type: 'UNREGISTER', requestId: 9, registration: 8 }, [66, 9, 8]],
  [{ type: 'UNREGISTERED', requestId: 9 }, [67, 9]],
  [{ type: 'UNREGISTERED', requestId: 0, details: { registration: 8 } }, [67, 0, { registration: 8 }]],
  [
    {
      type: 'INVOCATION',
      requestId: 10,
      registration: 8,
      details: { caller: 11, procedure: 'com.x.add' },
      args: [1, 2],
    },
    [68, 10, 8, { caller: 11, procedure: 'com.x.add' }, [1, 2]],
  ],
  [{ type: 'INTERRUPT', requestId: 10, options: { mode: 'kill' } }, [69, 10, { mode: 'kill' }]],
  [{ type: 'YIELD', requestId: 10, options: {}, args: [3], kwargs: {} }, [70, 10, {}, [3], {}]],
  // Payload passthru: the opaque payload takes the args slot on its own.
  [
    { type: 'CALL', requestId: 1, options: { ppt_scheme: 'mqtt' }, procedure: 'com.p', payload: bytes },
    [48, 1, { ppt_scheme: 'mqtt' }, 'com.p', bytes],
  ],
  [
    { type: 'EVENT', subscription: 1, publication: 2, details: { enc_algo: 'cryptobox' }, payload: 'opaque' },
    [36, 1, 2, { enc_algo: 'cryptobox' }, 'opaque'],
  ],
];

describe('messageToArray / messageFromArray', () => {
  it('covers every message type', () => {
    const types = new Set(ROUND_TRIPS.map(([m]) => m.type));
    expect([...types].sort()).toEqual(Object.keys(MessageCode).sort());
  });

  it.each(ROUND_TRIPS)('%j <-> wire', (msg, wire) => {
    expect(messageToArray(msg)).toEqual(wire);
    expect(messageFromArray(wire)).toEqual(msg);
  });
});

describe('encoding payloads', () => {
  const base = { type: 'RESULT', requestId: 1, details: {} } as const;
  it('omits absent args and kwargs instead of sending null', () => {
    expect(messageToArray({ ...base })).toEqual([50, 1, {}]);
  });
  it('omits absent kwargs', () => {
    expect(messageToArray({ ...base, args: ['a'] })).toEqual([50, 1, {}, ['a']]);
  });
  it('sends [] for args when only kwargs are given', () => {
    expect(messageToArray({ ...base, kwargs: { a: 1 } })).toEqual([50, 1, {}, [], { a: 1 }]);
  });
  it('keeps an empty args list', () => {
    expect(messageToArray({ ...base, args: [] })).toEqual([50, 1, {}, []]);
  });
  it('ignores explicitly undefined fields', () => {
    expect(messageToArray({ ...base, args: undefined, kwargs: undefined } as unknown as WampMessage)).toEqual([
      50,
      1,
      {},
    ]);
  });
});

describe('decoding payloads', () => {
  it('takes null args or kwargs (sent by older peers) as absent', () => {
    expect(messageFromArray([50, 1, {}, null])).toEqual({ type: 'RESULT', requestId: 1, details: {} });
    expect(messageFromArray([50, 1, {}, ['a'], null])).toEqual({
      type: 'RESULT',
      requestId: 1,
      details: {},
      args: ['a'],
    });
    expect(messageFromArray([50, 1, {}, null, { k: 1 }])).toEqual({
      type: 'RESULT',
      requestId: 1,
      details: {},
      args: [],
      kwargs: { k: 1 },
    });
  });
  it('accepts passthru payload with an empty kwargs dict, and drops it', () => {
    expect(messageFromArray([50, 1, { ppt_scheme: 'x' }, bytes, {}])).toEqual({
      type: 'RESULT',
      requestId: 1,
      details: { ppt_scheme: 'x' },
      payload: bytes,
    });
  });
  it('also reads the spec form of passthru, one binary item in args', () => {
    expect(messageFromArray([50, 1, { ppt_scheme: 'wamp.eth' }, [bytes]])).toEqual({
      type: 'RESULT',
      requestId: 1,
      details: { ppt_scheme: 'wamp.eth' },
      args: [bytes],
    });
  });
  it('isPassthru looks at ppt_scheme and enc_algo', () => {
    expect(isPassthru({ ppt_scheme: 'mqtt' })).toBe(true);
    expect(isPassthru({ enc_algo: 'cryptobox' })).toBe(true);
    expect(isPassthru({ enc_serializer: 'cbor' })).toBe(false);
  });
});

/** Malformed messages, each with the field name the error must mention. */
const MALFORMED: [label: string, wire: unknown, field: string][] = [
  // Shape
  ['not a list', { type: 1 }, 'list'],
  ['a string', '[1]', 'list'],
  ['empty list', [], 'unknown message code'],
  ['unknown code', [99, 1], 'unknown message code'],
  ['code as string', ['1', 'realm', {}], 'unknown message code'],
  ['EVENT_RECEIVED (provisional 337)', [337, 1], 'unknown message code'],
  ['too short', [1, 'com.realm'], 'elements'],
  ['too long', [17, 1, 2, 3], 'elements'],
  ['payload message too long', [50, 1, {}, [], {}, 'extra'], 'elements'],
  // HELLO
  ['HELLO realm not a string', [1, 42, { roles: { caller: {} } }], 'realm'],
  ['HELLO without roles', [1, 'com.realm', {}], 'roles'],
  ['HELLO roles not a dict', [1, 'com.realm', { roles: ['caller'] }], 'roles'],
  ['HELLO role not a dict', [1, 'com.realm', { roles: { caller: true } }], 'roles'],
  ['HELLO features not a dict', [1, 'com.realm', { roles: { caller: { features: [] } } }], 'roles'],
  ['HELLO details not a dict', [1, 'com.realm', []], 'details'],
  ['HELLO authmethods not strings', [1, 'com.realm', { roles: { caller: {} }, authmethods: [1] }], 'authmethods'],
  ['HELLO authid null', [1, 'com.realm', { roles: { caller: {} }, authid: null }], 'authid'],
  ['HELLO authextra not a dict', [1, 'com.realm', { roles: { caller: {} }, authextra: 'x' }], 'authextra'],
  // WELCOME
  ['WELCOME session 0', [2, 0, { roles: { broker: {} } }], 'session'],
  ['WELCOME session too big', [2, BIG * 2, { roles: { broker: {} } }], 'session'],
  ['WELCOME without roles', [2, 1, {}], 'roles'],
  // ABORT / GOODBYE / CHALLENGE / AUTHENTICATE
  ['ABORT reason not a URI', [3, {}, 'not a uri'], 'reason'],
  ['ABORT details null', [3, null, 'wamp.error.x'], 'details'],
  ['GOODBYE reason missing', [6, {}, null], 'reason'],
  ['CHALLENGE empty method', [4, '', {}], 'authmethod'],
  ['CHALLENGE extra not a dict', [4, 'ticket', 'x'], 'extra'],
  ['AUTHENTICATE signature not a string', [5, 12, {}], 'signature'],
  // IDs
  ['request 0', [17, 0, 1], 'request_id'],
  ['negative request', [17, -1, 1], 'request_id'],
  ['fractional request', [17, 1.5, 1], 'request_id'],
  ['request above 2^53', [17, BIG + 2, 1], 'request_id'],
  ['request as string', [17, '1', 1], 'request_id'],
  ['request as bigint', [17, 1n, 1], 'request_id'],
  ['publication 0', [17, 1, 0], 'publication'],
  ['subscription null', [33, 1, null], 'subscription'],
  ['registration NaN', [65, 1, Number.NaN], 'registration'],
  ['EVENT subscription', [36, 0, 1, {}], 'subscription'],
  ['INVOCATION registration', [68, 1, 'r', {}], 'registration'],
  ['UNSUBSCRIBED request 0 without details', [35, 0], 'request_id'],
  ['UNREGISTERED request -1 with details', [67, -1, {}], 'request_id'],
  ['UNREGISTERED details not a dict', [67, 0, []], 'details'],
  // ERROR
  ['ERROR for a message that cannot fail', [8, 17, 1, {}, 'com.e'], 'request_type'],
  ['ERROR request type as string', [8, '48', 1, {}, 'com.e'], 'request_type'],
  ['ERROR error not a URI', [8, 48, 1, {}, 'bad uri'], 'error'],
  // URIs
  ['CALL procedure not a string', [48, 1, {}, 5], 'procedure'],
  ['HELLO realm not a string', [1, 7, { roles: { caller: {} } }], 'realm'],
  ['SUBSCRIBE topic not a string', [32, 1, {}, ['com.t']], 'topic'],
  // Dicts and option keys
  ['options a list', [16, 1, [], 'com.t'], 'options'],
  ['options a string', [48, 1, 'x', 'com.t'], 'options'],
  ['options a Map', [48, 1, new Map(), 'com.t'], 'options'],
  ['option key too short', [48, 1, { to: 1 }, 'com.t'], 'options key'],
  ['option key uppercase', [48, 1, { Timeout: 1 }, 'com.t'], 'options key'],
  ['option key with dash', [48, 1, { 'disclose-me': true }, 'com.t'], 'options key'],
  ['details key starting with a digit', [50, 1, { '1abc': true }], 'details key'],
  // Payload
  ['args a dict', [48, 1, {}, 'com.t', { a: 1 }], 'args'],
  ['args a string without passthru', [48, 1, {}, 'com.t', 'abc'], 'args'],
  ['args bytes without passthru', [50, 1, {}, new Uint8Array(2)], 'args'],
  ['kwargs a list', [48, 1, {}, 'com.t', [], [1]], 'kwargs'],
  ['kwargs a string', [70, 1, {}, [], 'k'], 'kwargs'],
  ['passthru payload with kwargs', [48, 1, { ppt_scheme: 'mqtt' }, 'com.t', 'p', { a: 1 }], 'kwargs'],
  ['passthru payload a number', [48, 1, { ppt_scheme: 'mqtt' }, 'com.t', 5], 'args'],
  // Known options typed
  ['acknowledge not a boolean', [16, 1, { acknowledge: 1 }, 'com.t'], 'acknowledge'],
  ['exclude not IDs', [16, 1, { exclude: [0] }, 'com.t'], 'exclude'],
  ['eligible_authrole not strings', [16, 1, { eligible_authrole: 'r' }, 'com.t'], 'eligible_authrole'],
  [
    'forward_for entry without session',
    [16, 1, { forward_for: [{ authid: 'a', authrole: 'r' }] }, 'com.t'],
    'forward_for',
  ],
  ['forward_for not dicts', [16, 1, { forward_for: [1] }, 'com.t'], 'forward_for'],
  ['enc_algo unknown', [16, 1, { enc_algo: 'rot13' }, 'com.t'], 'enc_algo'],
  ['ppt_scheme empty', [16, 1, { ppt_scheme: '' }, 'com.t'], 'ppt_scheme'],
  ['receive_progress not a boolean', [48, 1, { receive_progress: 'yes' }, 'com.t'], 'receive_progress'],
  ['disclose_me not a boolean', [48, 1, { disclose_me: 1 }, 'com.t'], 'disclose_me'],
  ['match unknown', [64, 1, { match: 'regex' }, 'com.t'], 'match'],
  ['CANCEL mode unknown', [49, 1, { mode: 'abort' }], 'mode'],
  ['INTERRUPT mode skip', [69, 1, { mode: 'skip' }], 'mode'],
  ['INVOCATION caller not an ID', [68, 1, 2, { caller: 'alice' }], 'caller'],
  ['INVOCATION procedure not a URI', [68, 1, 2, { procedure: 'a b' }], 'procedure'],
  ['EVENT publisher not an ID', [36, 1, 2, { publisher: 'x' }], 'publisher'],
  ['EVENT topic not a string', [36, 1, 2, { topic: 7 }], 'topic'],
  ['UNSUBSCRIBED details.subscription', [35, 0, { subscription: 'x' }], 'subscription'],
];

describe('malformed messages', () => {
  for (const [label, wire, field] of MALFORMED) {
    it(`${label} is a protocol violation naming "${field}"`, () => {
      let thrown: unknown;
      try {
        messageFromArray(wire);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ProtocolViolationError);
      expect((thrown as ProtocolViolationError).message).toContain(field);
      expect((thrown as ProtocolViolationError).code).toBe('ERR_WAMP_PROTOCOL_VIOLATION');
    });
  }

  it('sets the field property to the offending field', () => {
    expect(() => messageFromArray([16, 1, { acknowledge: 'x' }, 'com.t'])).toThrow(
      expect.objectContaining({ field: 'options.acknowledge' }),
    );
  });

  it('does not echo long values into the message', () => {
    const long = 'x'.repeat(10_000);
    expect(() => messageFromArray([8, 48, 1, {}, `${long} ${long}`])).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^.{0,200}$/s) }),
    );
  });
});

describe('accepted variations', () => {
  it.each([
    ['implementation-specific option key', [48, 1, { _my_key: 1 }, 'com.t']],
    ['unknown option with any value', [48, 1, { x_custom: null }, 'com.t']],
    ['custom enc_algo', [16, 1, { enc_algo: 'x_mine' }, 'com.t', 'p']],
    ['strict URI with underscores', [48, 1, {}, 'com.my_app.add_2']],
    ['prefix subscription ending with a dot', [32, 1, { match: 'prefix' }, 'com.myapp.']],
    ['wildcard subscription', [32, 1, { match: 'wildcard' }, '.myapp.']],
    ['ERROR answering INVOCATION', [8, 68, 1, {}, 'com.e']],
    ['UNREGISTERED with details answering a request', [67, 5, { reason: 'x' }]],
    ['ABORT with free-form details', [3, { message: 'bye', _extra: [1] }, 'wamp.close.system_shutdown']],
    [
      'CHALLENGE extra with any value types',
      [4, 'wampcra', { challenge: 'c', salt: 's', keylen: 32, iterations: 1000 }],
    ],
    ['AUTHENTICATE with null channel_binding', [5, 'sig', { channel_binding: null }]],
  ] as const)('%s', (_label, wire) => {
    expect(() => messageFromArray(wire)).not.toThrow();
  });

  it('accepts any option key names when asked, still checking known keys', () => {
    expect(() =>
      messageFromArray([48, 1, { Timeout: 1, 'x-trace': 'a' }, 'com.t'], { anyOptionKeys: true }),
    ).not.toThrow();
    expect(() => messageFromArray([16, 1, { acknowledge: 'yes' }, 'com.t'], { anyOptionKeys: true })).toThrow(
      /acknowledge/,
    );
  });

  it('applies strict URI rules to error URIs when asked', () => {
    expect(() => messageFromArray([8, 48, 1, {}, 'com.MyApp.failed'])).not.toThrow();
    expect(() => messageFromArray([8, 48, 1, {}, 'com.MyApp.failed'], { strictUris: true })).toThrow(/error/);
  });

  // Semantic option values are the dealer's to refuse with ERROR (invalid_argument,
  // option_not_allowed), which the caller can act on, rather than a session-ending violation.
  it.each([
    ['negative timeout', [48, 1, { timeout: -1 }, 'com.t']],
    ['fractional timeout', [48, 1, { timeout: 1.5 }, 'com.t']],
    ['unknown invoke policy', [64, 1, { invoke: 'all' }, 'com.t']],
    ['zero concurrency', [64, 1, { concurrency: 0 }, 'com.t']],
  ] as const)('leaves option values to the dealer: %s', (_label, wire) => {
    expect(() => messageFromArray(wire)).not.toThrow();
  });

  // A malformed URI in a request is the router's to answer (ERROR or ABORT `invalid_uri`, basic
  // profile "URIs"), so decoding hands it over as written instead of ending the session.
  it.each([
    ['HELLO realm with an empty component', [1, 'com..realm', { roles: { caller: {} } }], 'realm', 'com..realm'],
    ['PUBLISH topic with #', [16, 1, {}, 'com.#'], 'topic', 'com.#'],
    ['SUBSCRIBE topic with a space', [32, 1, {}, 'com.my topic'], 'topic', 'com.my topic'],
    ['REGISTER procedure with a trailing dot', [64, 1, {}, 'com.'], 'procedure', 'com.'],
    ['CALL procedure with an empty component', [48, 1, {}, 'com..add'], 'procedure', 'com..add'],
  ] as const)('leaves the syntax of a requested URI to the router: %s', (_label, wire, field, value) => {
    expect(messageFromArray(wire)).toMatchObject({ [field]: value });
  });
});
