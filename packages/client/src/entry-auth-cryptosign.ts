/**
 * `@interchange/client/auth/cryptosign`: WAMP-Cryptosign with Ed25519 keys, router
 * authentication and TLS channel binding (spec: advanced "Cryptosign-based Authentication").
 * Importing it lets `auth: { cryptosign: { privateKey, routerKey } }` work (auth-registry.ts), and
 * gives Autobahn's `auth_cryptosign` helpers.
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/auth/cryptosign';
 * await connect({ url, realm: 'realm1', auth: { cryptosign: { privateKey: seedHex } } });
 */
import {
  AuthMethod,
  bytesToHex,
  createCryptosignChallenge,
  type Dict,
  InvalidArgumentError,
  parseCryptosignPublicKey,
} from '@interchange/protocol';
import { CryptosignKey, verifyRouterSignature } from './auth-cryptosign.js';
import {
  type ChannelBindingOption,
  type ClientAuthentication,
  type CryptosignAuthOptions,
  expectMethod,
} from './auth-options.js';
import { registerAuthMethod } from './auth-registry.js';

function channelIdOf(binding: ChannelBindingOption | undefined): Uint8Array | undefined {
  if (binding === undefined) return undefined;
  const id = typeof binding.channelId === 'function' ? binding.channelId() : binding.channelId;
  if (!(id instanceof Uint8Array) || id.length !== 32)
    throw new InvalidArgumentError('cryptosign: the TLS channel ID must be 32 bytes');
  return id;
}

function cryptosignAuthentication(options: CryptosignAuthOptions, authid: string | undefined): ClientAuthentication {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('auth.cryptosign: give { privateKey }');
  const key = options.privateKey instanceof CryptosignKey ? options.privateKey : CryptosignKey.load(options.privateKey);
  const routerKeys =
    options.routerKey === undefined
      ? []
      : typeof options.routerKey === 'string'
        ? [options.routerKey]
        : [...options.routerKey];
  const ourChallenge = routerKeys.length > 0 ? createCryptosignChallenge() : undefined;
  const binding = options.channelBinding;
  const authextra: Dict = { pubkey: key.publicKey };
  if (binding !== undefined) authextra['channel_binding'] = binding.type;
  if (ourChallenge !== undefined) authextra['challenge'] = ourChallenge;
  return {
    authmethods: [AuthMethod.CRYPTOSIGN],
    authid: options.authid ?? authid,
    authextra,
    answer: (challenge) => {
      expectMethod(challenge, AuthMethod.CRYPTOSIGN);
      const { extra } = challenge;
      // Spec: "The authenticating client MUST verify the actual channel binding in use matches
      // the one it requested."
      if ((extra['channel_binding'] ?? null) !== (binding?.type ?? null)) {
        throw new InvalidArgumentError('cryptosign: the router did not use the channel binding requested');
      }
      const channelId = channelIdOf(binding);
      if (ourChallenge !== undefined) {
        const pubkey = extra['pubkey'];
        const signature = extra['signature'];
        const trusted = typeof pubkey === 'string' && routerKeys.some((known) => sameKey(known, pubkey));
        if (
          !trusted ||
          typeof signature !== 'string' ||
          !verifyRouterSignature(pubkey, ourChallenge, signature, channelId)
        ) {
          throw new InvalidArgumentError('cryptosign: the router did not prove it holds a trusted router key');
        }
      }
      const value = extra['challenge'];
      if (typeof value !== 'string')
        throw new InvalidArgumentError('cryptosign: CHALLENGE.Extra.challenge is not a string');
      return key.sign(value, channelId);
    },
    checkWelcome: () => undefined,
  };
}

function sameKey(known: string, pubkey: string): boolean {
  try {
    return bytesToHex(parseCryptosignPublicKey(known)) === bytesToHex(parseCryptosignPublicKey(pubkey));
  } catch {
    return false;
  }
}

registerAuthMethod('cryptosign', cryptosignAuthentication);

export type { NaclKeyPair } from './auth-cryptosign.js';
export { auth_cryptosign, CryptosignKey, verifyRouterSignature } from './auth-cryptosign.js';
