import {
  base64ToBytes,
  bytesToHex,
  craDeriveKey,
  craVerify,
  cryptosignMessage,
  cryptosignSign,
  cryptosignVerify,
  deriveScramCredential,
  encodeBase64,
  generateCryptosignSeed,
  hexToBytes,
  scramAuthMessage,
  scramServerSignature,
  scramVerifyClientProof,
} from '@interchange/protocol';
// Autobahn|JS's own implementations, the reference our helpers must agree with bit for bit.
import autobahnJs from 'autobahn';
import { describe, expect, it } from 'vitest';
import { autobahn } from '../src/autobahn.js';
import {
  auth_cra,
  auth_cryptosign,
  authCra,
  CANNOT_AUTHENTICATE_REASON,
  CryptosignKey,
  ScramExchange,
  verifyRouterSignature,
} from '../src/index.js';
import { sessionWithRouter } from './helpers/fake-router.js';

const reference = autobahnJs as unknown as {
  auth_cra: {
    sign(key: string, challenge: string): string;
    derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string;
  };
  auth_cryptosign: { sign_challenge(pkey: { secretKey: Uint8Array }, extra: { challenge: string }): string };
};

describe('authCra / auth_cra', () => {
  it.each([
    ['secret', '{"authid":"joe","nonce":"abc"}'],
    ['pässwörd', 'challenge with ünïcode ✓'],
  ])('signs like Autobahn|JS (%s)', (secret, challenge) => {
    expect(authCra.sign(secret, challenge)).toBe(reference.auth_cra.sign(secret, challenge));
    expect(auth_cra.sign(secret, challenge)).toBe(reference.auth_cra.sign(secret, challenge));
  });

  it('derives salted keys like Autobahn|JS', () => {
    expect(authCra.deriveKey('secret', 'salt123', 100, 16)).toBe(
      reference.auth_cra.derive_key('secret', 'salt123', 100, 16),
    );
    expect(auth_cra.derive_key('secret', 'salt123')).toBe(reference.auth_cra.derive_key('secret', 'salt123'));
  });

  it('is on the compat object, as Autobahn code calls it', () => {
    expect(autobahn.auth_cra.sign('k', 'c')).toBe(reference.auth_cra.sign('k', 'c'));
    expect(typeof autobahn.auth_cryptosign.sign_challenge).toBe('function');
  });
});

describe('CryptosignKey / auth_cryptosign', () => {
  it('signs exactly as Autobahn|JS (tweetnacl) does', () => {
    const pkey = auth_cryptosign.generate_key();
    const extra = { challenge: 'ab'.repeat(32) };
    expect(auth_cryptosign.sign_challenge(pkey, extra)).toBe(reference.auth_cryptosign.sign_challenge(pkey, extra));
    expect(auth_cryptosign.public_key(pkey)).toBe(bytesToHex(pkey.publicKey));
  });

  it('generates, stores and loads keys', () => {
    const key = CryptosignKey.generate();
    const again = CryptosignKey.load(key.privateKey);
    expect(again.publicKey).toBe(key.publicKey);
    const challenge = 'cd'.repeat(32);
    expect(
      cryptosignVerify(
        hexToBytes(key.publicKey) as Uint8Array,
        again.sign(challenge),
        cryptosignMessage(challenge) as Uint8Array,
      ),
    ).toBe(true);
    expect(auth_cryptosign.load_key(key.privateKey).publicKey).toEqual(hexToBytes(key.publicKey));
  });

  it('keeps a key in localStorage for load_private_key, as Autobahn|JS does in browsers', () => {
    const items = new Map<string, string>();
    const previous = (globalThis as { localStorage?: unknown }).localStorage;
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
    };
    try {
      const first = auth_cryptosign.load_private_key('me');
      expect(auth_cryptosign.load_private_key('me').publicKey).toEqual(first.publicKey);
      expect(auth_cryptosign.load_private_key('me', true).publicKey).not.toEqual(first.publicKey);
      auth_cryptosign.delete_private_key('me');
      expect(items.get('me')).toBe('');
    } finally {
      (globalThis as { localStorage?: unknown }).localStorage = previous;
    }
  });

  it('verifies a router signature of our challenge', () => {
    const routerSeed = generateCryptosignSeed();
    const routerKey = CryptosignKey.load(routerSeed).publicKey;
    const challenge = 'ef'.repeat(32);
    const signature = cryptosignSign(routerSeed, challenge);
    expect(verifyRouterSignature(routerKey, challenge, signature)).toBe(true);
    expect(verifyRouterSignature(CryptosignKey.generate().publicKey, challenge, signature)).toBe(false);
    expect(verifyRouterSignature(routerKey, '00'.repeat(32), signature)).toBe(false);
  });
});

describe('Session with the typed auth option', () => {
  it('ticket: sends authmethods and authid, answers with the ticket', async () => {
    const { session, router } = sessionWithRouter({ auth: { ticket: { authid: 'joe', ticket: 'abc' } } });
    const joined = session.join();
    const hello = await router.next('HELLO');
    expect(hello.details).toMatchObject({ authmethods: ['ticket'], authid: 'joe' });
    router.send({ type: 'CHALLENGE', authMethod: 'ticket', extra: {} });
    expect((await router.next('AUTHENTICATE')).signature).toBe('abc');
    router.welcome();
    await joined;
  });

  it('wampcra: signs plain and salted challenges', async () => {
    for (const extra of [{}, { salt: 'NaCl', iterations: 10, keylen: 16 }]) {
      const { session, router } = sessionWithRouter({ auth: { wampcra: { authid: 'joe', secret: 's3cret' } } });
      void session.join();
      expect((await router.next('HELLO')).details).toMatchObject({ authmethods: ['wampcra'], authid: 'joe' });
      const challenge = JSON.stringify({ authid: 'joe', nonce: 'n' });
      router.send({ type: 'CHALLENGE', authMethod: 'wampcra', extra: { challenge, ...extra } });
      const { signature } = await router.next('AUTHENTICATE');
      const key = 'salt' in extra ? craDeriveKey('s3cret', 'NaCl', 10, 16) : 's3cret';
      expect(craVerify(key, challenge, signature)).toBe(true);
    }
  });

  it('cryptosign: announces the public key, signs, and with routerKey checks the router', async () => {
    const key = CryptosignKey.generate();
    const routerSeed = generateCryptosignSeed();
    const routerKey = CryptosignKey.load(routerSeed).publicKey;
    const { session, router } = sessionWithRouter({
      auth: { cryptosign: { authid: 'dev', privateKey: key.privateKey, routerKey } },
    });
    const joined = session.join();
    const hello = await router.next('HELLO');
    const authextra = hello.details.authextra as { pubkey: string; challenge: string };
    expect(authextra.pubkey).toBe(key.publicKey);
    expect(authextra.challenge).toMatch(/^[0-9a-f]{64}$/);
    const challenge = 'aa'.repeat(32);
    router.send({
      type: 'CHALLENGE',
      authMethod: 'cryptosign',
      extra: {
        challenge,
        channel_binding: null,
        pubkey: routerKey,
        signature: cryptosignSign(routerSeed, authextra.challenge),
      },
    });
    const { signature } = await router.next('AUTHENTICATE');
    expect(
      cryptosignVerify(hexToBytes(key.publicKey) as Uint8Array, signature, cryptosignMessage(challenge) as Uint8Array),
    ).toBe(true);
    router.welcome();
    await joined;
  });

  it('cryptosign: aborts when the router cannot prove it holds the trusted key', async () => {
    const impostor = generateCryptosignSeed();
    const { session, router } = sessionWithRouter({
      auth: { cryptosign: { privateKey: CryptosignKey.generate(), routerKey: CryptosignKey.generate().publicKey } },
    });
    const joined = session.join();
    const hello = await router.next('HELLO');
    const ours = (hello.details.authextra as { challenge: string }).challenge;
    router.send({
      type: 'CHALLENGE',
      authMethod: 'cryptosign',
      extra: {
        challenge: 'aa'.repeat(32),
        pubkey: CryptosignKey.load(impostor).publicKey,
        signature: cryptosignSign(impostor, ours),
      },
    });
    expect((await router.next('ABORT')).reason).toBe(CANNOT_AUTHENTICATE_REASON);
    await expect(joined).rejects.toMatchObject({ uri: CANNOT_AUTHENTICATE_REASON });
  });

  it('scram: proves the password and checks the verifier in WELCOME', async () => {
    const credential = await deriveScramCredential('pencil', { kdf: 'pbkdf2', iterations: 32 });
    const run = async (
      tamper: boolean,
    ): Promise<{ joined: Promise<unknown>; router: ReturnType<typeof sessionWithRouter>['router'] }> => {
      const { session, router } = sessionWithRouter({ auth: { scram: { authid: 'user', password: 'pencil' } } });
      const joined = session.join();
      const hello = await router.next('HELLO');
      expect(hello.details.authmethods).toEqual(['wamp-scram']);
      const clientNonce = (hello.details.authextra as { nonce: string }).nonce;
      const salt = encodeBase64(hexToBytes(credential.salt) as Uint8Array);
      const nonce = `${clientNonce}c2VydmVy`;
      router.send({
        type: 'CHALLENGE',
        authMethod: 'wamp-scram',
        extra: { nonce, salt, kdf: 'pbkdf2', iterations: 32 },
      });
      const authenticate = await router.next('AUTHENTICATE');
      expect(authenticate.extra).toMatchObject({ nonce });
      const message = scramAuthMessage({ authid: 'user', clientNonce, nonce, salt, iterations: 32 });
      const storedKey = hexToBytes(credential['stored-key']) as Uint8Array;
      expect(scramVerifyClientProof(storedKey, message, base64ToBytes(authenticate.signature) as Uint8Array)).toBe(
        true,
      );
      const verifier = encodeBase64(
        scramServerSignature(hexToBytes(credential['server-key']) as Uint8Array, tamper ? `${message}x` : message),
      );
      router.welcome(4242, { roles: {}, authextra: { verifier } });
      return { joined, router };
    };
    await expect((await run(false)).joined).resolves.toBeDefined();
    const bad = await run(true);
    await expect(bad.joined).rejects.toMatchObject({ uri: CANNOT_AUTHENTICATE_REASON });
    expect((await bad.router.next('ABORT')).reason).toBe(CANNOT_AUTHENTICATE_REASON);
  });

  it('scram: refuses a router nonce that does not extend its own', async () => {
    const exchange = new ScramExchange('user', 'pw');
    await expect(exchange.answer({ nonce: 'other', salt: 'AAAA', kdf: 'pbkdf2', iterations: 1 })).rejects.toThrow(
      /nonce/,
    );
    const strict = new ScramExchange('user', 'pw', { minimums: { iterations: 1000 } });
    await expect(
      strict.answer({ nonce: `${strict.clientNonce}x`, salt: 'AAAA', kdf: 'pbkdf2', iterations: 10 }),
    ).rejects.toThrow(/iterations/);
  });

  it('an explicit onChallenge takes precedence, and explicit authid and authextra are kept', async () => {
    const { session, router } = sessionWithRouter({
      authid: 'override',
      authextra: { device: 'x' },
      auth: { ticket: 'abc' },
      onChallenge: () => 'from-hook',
    });
    void session.join();
    const hello = await router.next('HELLO');
    expect(hello.details).toMatchObject({ authmethods: ['ticket'], authid: 'override', authextra: { device: 'x' } });
    router.send({ type: 'CHALLENGE', authMethod: 'ticket', extra: {} });
    expect((await router.next('AUTHENTICATE')).signature).toBe('from-hook');
  });

  it('refuses malformed auth options at once', () => {
    expect(() => sessionWithRouter({ auth: { wampcra: { authid: 'x' } } as never })).toThrow(/wampcra/);
    expect(() => sessionWithRouter({ auth: { cryptosign: { privateKey: 'not a key' } } })).toThrow(/cryptosign/);
    expect(() => sessionWithRouter({ auth: { ticket: 'a', wampcra: { authid: 'x', secret: 'y' } } as never })).toThrow(
      /exactly one/,
    );
  });
});
