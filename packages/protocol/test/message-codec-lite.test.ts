/**
 * The client's small codec (message-codec-lite.ts) and JSON serializer (serializer-json-lite.ts):
 * the same wire arrays and frames as the full ones, the same typed messages back from every
 * valid message, and ProtocolViolationError (never anything else) for a field of the wrong type.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../src/errors.js';
import { messageFromArray, messageToArray } from '../src/message-codec.js';
import { messageFromWire, messageToWire } from '../src/message-codec-lite.js';
import { createJsonSerializer } from '../src/serializer-json.js';
import { createLiteJsonSerializer } from '../src/serializer-json-lite.js';
import { wampMessage } from './arbitraries.js';

describe('message-codec-lite', () => {
  it('encodes every message as messageToArray does, and decodes it back to the same message', () => {
    fc.assert(
      fc.property(wampMessage({ bigint: false }), (msg) => {
        const wire = messageToWire(msg);
        expect(wire).toEqual(messageToArray(msg));
        expect(messageFromWire(wire)).toEqual(messageFromArray(wire));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['not a list', { a: 1 }],
    ['an unknown code', [7, {}, 'x']],
    ['too few fields', [33, 1]],
    ['too many fields', [33, 1, 2, 3]],
    ['an ID that is not a number', [33, '1', 2]],
    ['details that are not a dict', [50, 1, null]],
    ['details that are a list', [36, 1, 2, []]],
    ['a reason that is not a string', [6, {}, 5]],
    ['args that are not a list', [50, 1, {}, 'x']],
    ['kwargs that are not a dict', [50, 1, {}, [], [1]]],
  ])('refuses %s with ProtocolViolationError', (_what, raw) => {
    expect(() => messageFromWire(raw)).toThrow(ProtocolViolationError);
  });

  it('takes null args or kwargs as absent, and a passthru payload in the args slot', () => {
    expect(messageFromWire([50, 7, {}, null, { a: 1 }])).toEqual({
      type: 'RESULT',
      requestId: 7,
      details: {},
      args: [],
      kwargs: { a: 1 },
    });
    expect(messageFromWire([36, 1, 2, { ppt_scheme: 'x' }, 'opaque'])).toEqual({
      type: 'EVENT',
      subscription: 1,
      publication: 2,
      details: { ppt_scheme: 'x' },
      payload: 'opaque',
    });
    expect(messageFromWire([67, 0, { reason: 'wamp.error.unregistered' }])).toEqual({
      type: 'UNREGISTERED',
      requestId: 0,
      details: { reason: 'wamp.error.unregistered' },
    });
  });
});

describe('createLiteJsonSerializer', () => {
  for (const batched of [false, true]) {
    it(`writes the frames of createJsonSerializer and reads them back (batched: ${batched})`, () => {
      const lite = createLiteJsonSerializer({ batched });
      const full = createJsonSerializer({ batched });
      expect(lite.subprotocol).toBe(full.subprotocol);
      fc.assert(
        fc.property(wampMessage({ bigint: false }), (msg) => {
          const frame = lite.encode(msg);
          expect(frame).toEqual(full.encode(msg));
          expect(lite.decode(frame)).toEqual(full.decode(frame));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('reads both batch separators and bytes as text', () => {
    const lite = createLiteJsonSerializer({ batched: true });
    const frame = '[33,1,2]\u0018[17,3,4]\u001e';
    expect(lite.decode(new TextEncoder().encode(frame))).toEqual([
      { type: 'SUBSCRIBED', requestId: 1, subscription: 2 },
      { type: 'PUBLISHED', requestId: 3, publication: 4 },
    ]);
  });

  it('refuses a frame that is not JSON with ProtocolViolationError, and what JSON cannot encode with InvalidArgumentError', () => {
    const lite = createLiteJsonSerializer();
    expect(() => lite.decode('nope')).toThrow(ProtocolViolationError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => lite.encode({ type: 'PUBLISH', requestId: 1, options: {}, topic: 'com.x', args: [cycle] })).toThrow(
      expect.objectContaining({ code: 'ERR_WAMP_INVALID_ARGUMENT' }),
    );
  });
});
