import { describe, expect, it } from 'vitest';
import { craDeriveKey, craSign, craSigningKey, craVerify, createCraChallenge } from '../src/auth-wampcra.js';
import { InvalidArgumentError } from '../src/errors.js';

// Expected values computed with Autobahn|Python 22.7.1 (autobahn.wamp.auth.compute_wcs and
// derive_key), the implementation Crossbar.io verifies with.
describe('WAMP-CRA', () => {
  it('signs like Autobahn: base64 of HMAC-SHA256 over the UTF-8 challenge', () => {
    expect(craSign('secret123', '{"a":1}')).toBe('KyUabOieZaZjzhsxNJ3d4D6xa0CjdA83BWQdCuOegF4=');
  });

  it('derives salted keys like Autobahn: base64 of PBKDF2-HMAC-SHA256', () => {
    expect(craDeriveKey('secret123', 'salt123', 1000, 32)).toBe('Eu7CQLfR+/Ffb+275A4s9/6H/RGKYxM4s6IMrsNKzC8=');
    expect(craDeriveKey('secret123', 'salt123')).toBe('Eu7CQLfR+/Ffb+275A4s9/6H/RGKYxM4s6IMrsNKzC8=');
  });

  it('keys the signature of a salted secret with the derived key text', () => {
    const key = craDeriveKey('secret123', 'salt123', 100, 16);
    expect(key).toBe('DpHHRlQ6UNULJlP9J8WkPw==');
    expect(craSign(key, 'hello \u00fc challenge')).toBe('3+zzLgngAqpsSWY6Y4v60ZPsS5BhUmy4lhqLvyiEbe0=');
    expect(craSigningKey('secret123', { salt: 'salt123', iterations: 100, keylen: 16 })).toBe(key);
    expect(craSigningKey('secret123', {})).toBe('secret123');
  });

  it('verifies a signature and refuses a wrong one, a wrong key and non-base64', () => {
    const challenge = createCraChallenge({
      authid: 'joe',
      authrole: 'user',
      authprovider: 'static',
      session: 42,
      timestamp: '2024-01-01T00:00:00.000Z',
    });
    const signature = craSign('s3cret', challenge);
    expect(craVerify('s3cret', challenge, signature)).toBe(true);
    expect(craVerify('s3cret', challenge, signature.replace(/=$/, ''))).toBe(true);
    expect(craVerify('other', challenge, signature)).toBe(false);
    expect(craVerify('s3cret', `${challenge} `, signature)).toBe(false);
    expect(craVerify('s3cret', challenge, 'not base64!')).toBe(false);
    expect(craVerify('s3cret', challenge, '')).toBe(false);
  });

  it('builds the challenge the spec describes, with a fresh nonce each time', () => {
    const fields = {
      authid: 'joe',
      authrole: 'user',
      authprovider: 'static',
      session: 42,
      timestamp: '2024-01-01T00:00:00.000Z',
    };
    const a = JSON.parse(createCraChallenge(fields)) as Record<string, unknown>;
    const b = JSON.parse(createCraChallenge(fields)) as Record<string, unknown>;
    expect(a).toMatchObject({ ...fields, authmethod: 'wampcra' });
    expect(typeof a.nonce).toBe('string');
    expect(a.nonce).not.toBe(b.nonce);
  });

  it.each([
    [0, 32],
    [1.5, 32],
    [10, 0],
  ])('refuses iterations %j and keylen %j', (iterations, keylen) => {
    expect(() => craDeriveKey('s', 'salt', iterations, keylen)).toThrow(InvalidArgumentError);
  });
});
