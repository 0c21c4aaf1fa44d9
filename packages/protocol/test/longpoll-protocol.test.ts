import { describe, expect, it } from 'vitest';
import { ProtocolViolationError } from '../src/errors.js';
import {
  chooseLongPollProtocol,
  encodeLongPollOpenResponse,
  LONGPOLL_PROTOCOLS,
  longPollUrls,
  parseLongPollOpenRequest,
  parseLongPollOpenResponse,
  parseLongPollPath,
} from '../src/longpoll-protocol.js';

describe('long-poll open', () => {
  it('parses the protocols a client offers', () => {
    expect(parseLongPollOpenRequest('{"protocols": ["wamp.2.json"]}')).toEqual({ protocols: ['wamp.2.json'] });
  });

  it.each([
    ['not JSON', '{protocols'],
    ['not an object', '["wamp.2.json"]'],
    ['no protocols', '{}'],
    ['protocols that are not strings', '{"protocols": [1]}'],
  ])('rejects a body that is %s', (_name, body) => {
    expect(() => parseLongPollOpenRequest(body)).toThrow(ProtocolViolationError);
  });

  it('picks the first offer the server accepts', () => {
    expect(chooseLongPollProtocol(['wamp.2.ubjson', 'wamp.2.msgpack', 'wamp.2.json'], LONGPOLL_PROTOCOLS)).toBe(
      'wamp.2.msgpack',
    );
    expect(chooseLongPollProtocol(['wamp.2.ubjson'], LONGPOLL_PROTOCOLS)).toBeUndefined();
  });

  it('round-trips the answer', () => {
    const text = encodeLongPollOpenResponse({ transport: 'kjmd3sBLOUnb3Fyr', protocol: 'wamp.2.json' });
    expect(JSON.parse(text)).toEqual({ transport: 'kjmd3sBLOUnb3Fyr', protocol: 'wamp.2.json' });
    expect(parseLongPollOpenResponse(text)).toEqual({ transport: 'kjmd3sBLOUnb3Fyr', protocol: 'wamp.2.json' });
    expect(() => parseLongPollOpenResponse('{"transport": ""}')).toThrow(ProtocolViolationError);
  });
});

describe('long-poll paths', () => {
  it.each([
    ['', { kind: 'root' }],
    ['/', { kind: 'root' }],
    ['/open', { kind: 'open' }],
    ['/open/', { kind: 'open' }],
    ['/kjmd3sBLOUnb3Fyr', { kind: 'transport', transport: 'kjmd3sBLOUnb3Fyr' }],
    ['/kjmd3sBLOUnb3Fyr/send', { kind: 'operation', transport: 'kjmd3sBLOUnb3Fyr', operation: 'send' }],
    ['/kjmd3sBLOUnb3Fyr/receive', { kind: 'operation', transport: 'kjmd3sBLOUnb3Fyr', operation: 'receive' }],
    ['/kjmd3sBLOUnb3Fyr/close', { kind: 'operation', transport: 'kjmd3sBLOUnb3Fyr', operation: 'close' }],
    ['/kjmd3sBLOUnb3Fyr/other', undefined],
    ['/a/send/more', undefined],
    ['//send', undefined],
    ['/bad%20id/send', undefined],
  ])('parses %j', (path, expected) => {
    expect(parseLongPollPath(path)).toEqual(expected);
  });

  it('builds the URLs of a transport', () => {
    expect(longPollUrls('http://h/lp/', 'abc')).toEqual({
      send: 'http://h/lp/abc/send',
      receive: 'http://h/lp/abc/receive',
      close: 'http://h/lp/abc/close',
    });
  });
});
