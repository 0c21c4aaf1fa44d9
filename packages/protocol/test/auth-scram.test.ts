import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToHex, hexToBytes } from '../src/auth-bytes.js';
import { saslprep } from '../src/auth-saslprep.js';
import {
  deriveScramCredential,
  parseScramKdf,
  scramAuthMessage,
  scramClientProof,
  scramKeys,
  scramSaltedPassword,
  scramServerSignature,
  scramVerifyClientProof,
} from '../src/auth-scram.js';
import { encodeBase64 } from '../src/base64.js';
import { InvalidArgumentError } from '../src/errors.js';

function b64(text: string): Uint8Array {
  const bytes = base64ToBytes(text);
  if (bytes === undefined) throw new Error('bad base64');
  return bytes;
}

// RFC 7677 section 3 (SCRAM-SHA-256), which the spec's example exchange reproduces.
const RFC = {
  authid: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  nonce: 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  iterations: 4096,
  proof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  verifier: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

describe('WAMP-SCRAM', () => {
  it('reproduces the RFC 7677 exchange with PBKDF2', async () => {
    const salted = await scramSaltedPassword(RFC.password, {
      kdf: 'pbkdf2',
      salt: b64(RFC.salt),
      iterations: RFC.iterations,
    });
    const keys = scramKeys(salted);
    const message = scramAuthMessage(RFC);
    expect(message).toBe(
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    );
    const proof = scramClientProof(keys, message);
    expect(encodeBase64(proof)).toBe(RFC.proof);
    expect(scramVerifyClientProof(keys.storedKey, message, proof)).toBe(true);
    expect(encodeBase64(scramServerSignature(keys.serverKey, message))).toBe(RFC.verifier);
  });

  it('refuses a proof made with another password or over another message', async () => {
    const parameters = { kdf: 'pbkdf2' as const, salt: b64(RFC.salt), iterations: 16 };
    const keys = scramKeys(await scramSaltedPassword('right', parameters));
    const wrong = scramKeys(await scramSaltedPassword('wrong', parameters));
    const message = scramAuthMessage(RFC);
    expect(scramVerifyClientProof(keys.storedKey, message, scramClientProof(wrong, message))).toBe(false);
    expect(scramVerifyClientProof(keys.storedKey, message, scramClientProof(keys, `${message}x`))).toBe(false);
    expect(scramVerifyClientProof(keys.storedKey, message, new Uint8Array(31))).toBe(false);
  });

  it('derives with Argon2id: deterministic, 32 bytes, sensitive to every parameter', async () => {
    const base = { kdf: 'argon2id13' as const, salt: new Uint8Array(16).fill(7), iterations: 2, memory: 64 };
    const a = await scramSaltedPassword('secret', base);
    expect(a.length).toBe(32);
    expect(await scramSaltedPassword('secret', base)).toEqual(a);
    expect(await scramSaltedPassword('secret', { ...base, iterations: 3 })).not.toEqual(a);
    expect(await scramSaltedPassword('secret', { ...base, memory: 128 })).not.toEqual(a);
    expect(await scramSaltedPassword('Secret', base)).not.toEqual(a);
  });

  it("uses Autobahn|Python's salted password in the Crossbar dialect: the hash's unpadded base64 text", async () => {
    const base = { kdf: 'argon2id13' as const, salt: new Uint8Array(16).fill(7), iterations: 2, memory: 64 };
    const raw = await scramSaltedPassword('secret', base, 'wamp-scram');
    const text = await scramSaltedPassword('secret', base, 'scram');
    expect(new TextDecoder().decode(text)).toBe(encodeBase64(raw).replace(/=+$/, ''));
  });

  it('writes the channel binding part per dialect', () => {
    const parts = { ...RFC, channelBinding: 'tls-unique', cbindData: new Uint8Array([1, 2, 3]) };
    expect(scramAuthMessage(parts)).toContain(
      `,c=${encodeBase64(new Uint8Array([...new TextEncoder().encode('p=tls-unique,,'), 1, 2, 3]))},`,
    );
    expect(scramAuthMessage(RFC, 'scram')).toContain(',c=,r=');
    expect(scramAuthMessage(parts, 'scram')).toContain(',c=tls-unique,r=');
  });

  it('escapes , and = in the authid in the spec dialect only', () => {
    expect(scramAuthMessage({ ...RFC, authid: 'a,b=c' })).toMatch(/^n=a=2Cb=3Dc,/);
    expect(scramAuthMessage({ ...RFC, authid: 'a,b=c' }, 'scram')).toMatch(/^n=a,b=c,/);
  });

  it('derives a Crossbar-shaped credential that verifies a proof', async () => {
    const credential = await deriveScramCredential('pw', {
      kdf: 'pbkdf2',
      iterations: 10,
      salt: new Uint8Array(16).fill(1),
    });
    expect(credential).toMatchObject({ kdf: 'pbkdf2', iterations: 10, salt: '01'.repeat(16) });
    expect(credential.memory).toBeUndefined();
    const keys = scramKeys(
      await scramSaltedPassword('pw', { kdf: 'pbkdf2', salt: new Uint8Array(16).fill(1), iterations: 10 }),
    );
    expect(credential['stored-key']).toBe(bytesToHex(keys.storedKey));
    const message = scramAuthMessage(RFC);
    expect(
      scramVerifyClientProof(
        hexToBytes(credential['stored-key']) as Uint8Array,
        message,
        scramClientProof(keys, message),
      ),
    ).toBe(true);
    const argon = await deriveScramCredential('pw', { iterations: 1, memory: 64, dialect: 'scram' });
    expect(argon).toMatchObject({ kdf: 'argon2id-13', iterations: 1, memory: 64 });
  });

  it('names KDFs as the spec and Crossbar do', () => {
    expect(parseScramKdf('argon2id13')).toBe('argon2id13');
    expect(parseScramKdf('argon2id-13')).toBe('argon2id13');
    expect(parseScramKdf('pbkdf2')).toBe('pbkdf2');
    expect(parseScramKdf('scrypt')).toBeUndefined();
  });

  it('refuses unusable cost parameters', async () => {
    await expect(scramSaltedPassword('x', { kdf: 'pbkdf2', salt: new Uint8Array(8), iterations: 0 })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(
      scramSaltedPassword('x', { kdf: 'argon2id13', salt: new Uint8Array(16), iterations: 1 }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      scramSaltedPassword('x', { kdf: 'argon2id13', salt: new Uint8Array(4), iterations: 1, memory: 64 }),
    ).rejects.toThrow(InvalidArgumentError);
  });
});

describe('SASLprep', () => {
  // RFC 4013 section 3, examples.
  it.each([
    ['I\u00ADX', 'IX'],
    ['user', 'user'],
    ['USER', 'USER'],
    ['\u00AA', 'a'],
    ['\u2168', 'IX'],
    ['a\u00A0b', 'a b'],
    ['\u0627\u0628', '\u0627\u0628'],
  ])('prepares %j as %j', (input, output) => {
    expect(saslprep(input)).toBe(output);
  });

  it.each(['\u0007', 'a\uE000', '\u0627\u0031', '\u0627a\u0628', 'x\uD800'])('refuses %j', (input) => {
    expect(() => saslprep(input)).toThrow(InvalidArgumentError);
  });
});
