import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../src/base64.js';
import { ProtocolViolationError } from '../src/errors.js';

describe('base64', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 vector %j <-> %j', (text, base64) => {
    const bytes = new TextEncoder().encode(text);
    expect(encodeBase64(bytes)).toBe(base64);
    expect(decodeBase64(base64)).toEqual(bytes);
  });

  it('decodes from an offset and without padding', () => {
    expect(decodeBase64('\u0000Zm8', 1)).toEqual(new TextEncoder().encode('fo'));
  });

  it('accepts the URL-safe alphabet', () => {
    expect(decodeBase64('-_8=')).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it.each(['Zm9v!', 'Z', 'Zm9vY', 'Zm 9v', 'Zm9v===', 'ü'])('rejects %j with ProtocolViolationError', (text) => {
    expect(() => decodeBase64(text)).toThrow(ProtocolViolationError);
  });

  it('round-trips any bytes, matching the platform encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(btoa(String.fromCharCode(...bytes)));
        expect(decodeBase64(text)).toEqual(bytes);
      }),
    );
  });
});
