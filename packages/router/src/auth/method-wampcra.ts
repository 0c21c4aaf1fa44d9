/**
 * WAMP-CRA (spec: advanced "Challenge Response Authentication"). The router finds the user's
 * secret (static `users`, or a dynamic authenticator answering `{ secret, role, ... }`), sends a
 * challenge naming the principal, the pending session ID, a nonce and a timestamp, and expects
 * the HMAC-SHA256 of it under the secret (or under the PBKDF2 key of a salted secret).
 *
 * A salted user's `secret` is read both ways, because both are in use: as the password, whose
 * PBKDF2 key signs (what Crossbar's newest code does), and as the derived key itself (what the
 * spec's "Password Salting" section, Crossbar's documentation and its examples store). A
 * signature under either key is accepted; this opens nothing, since whoever holds the configured
 * value can already sign with it as it is.
 *
 * An unknown user, or an authenticator that refuses, gets a mock challenge shaped like a real
 * one (salted like the configured users, with a salt that is the same each time for the same
 * authid), so only AUTHENTICATE fails and the client cannot tell which part was wrong.
 */
import {
  AuthMethod,
  craDeriveKey,
  craVerify,
  createCraChallenge,
  type Dict,
  encodeBase64,
} from '@interchange/protocol';
import {
  type AuthChallenge,
  type AuthMethodContext,
  type AuthMethodHandler,
  type AuthRequest,
  fail,
  type HelloOutcome,
  isAuthenticatorRefusal,
  type MaybePromise,
  mockBytes,
  mockChallenge,
} from './auth-method.js';
import { type Principal, staticPrincipal } from './principal.js';
import { acceptAnswer, askAboutHello } from './principal-check.js';
import type { WampCraAuthConfig, WampCraUser } from './transport-auth.js';

/** The credential of one user: the secret and, for a salted one, its PBKDF2 parameters. */
interface CraCredential {
  secret: string;
  salt?: string;
  iterations?: number;
  keylen?: number;
}

/** The router side of `wampcra` for one transport's config. */
export function wampcraMethod(config: WampCraAuthConfig, context: AuthMethodContext): AuthMethodHandler {
  const name = AuthMethod.WAMPCRA;
  // Deriving a salted key is deliberately slow; do it once per user, not on every HELLO.
  const derivedKeys = new Map<string, string>();
  const signingKey = (credential: CraCredential, cacheKey: string | undefined): string => {
    if (credential.salt === undefined) return credential.secret;
    const cached = cacheKey === undefined ? undefined : derivedKeys.get(cacheKey);
    if (cached !== undefined) return cached;
    const key = craDeriveKey(
      credential.secret,
      credential.salt,
      credential.iterations ?? 1000,
      credential.keylen ?? 32,
    );
    if (cacheKey !== undefined) derivedKeys.set(cacheKey, key);
    return key;
  };

  const challengeFor = (
    request: AuthRequest,
    principal: Principal,
    credential: CraCredential,
    cacheKey?: string,
  ): AuthChallenge => {
    const challenge = createCraChallenge({
      authid: principal.authid,
      authrole: principal.authrole,
      authprovider: principal.authprovider,
      session: request.session,
      timestamp: new Date(context.now()).toISOString(),
    });
    const extra: Dict = { challenge };
    if (credential.salt !== undefined) {
      // Spec: "Password Salting": the client needs the salt and the PBKDF2 parameters.
      extra['salt'] = credential.salt;
      extra['iterations'] = credential.iterations ?? 1000;
      extra['keylen'] = credential.keylen ?? 32;
    }
    return {
      kind: 'challenge',
      extra,
      verify: (signature) =>
        craVerify(signingKey(credential, cacheKey), challenge, signature) ||
        (credential.salt !== undefined && craVerify(credential.secret, challenge, signature))
          ? { kind: 'welcome', principal }
          : fail('wrong signature'),
    };
  };

  // The shape of a mock challenge: that of a configured user picked by the authid (keyed, so the
  // same each time): salted or not, with its parameters and role, as often as real users are.
  // Salting every mock when some users are salted told an unsalted real user from an unknown
  // authid (issue 12).
  const shapes = config.type === 'static' ? Object.values(config.users) : [];
  const mock = (request: AuthRequest, log: string): AuthChallenge => {
    const authid = request.authid ?? '';
    const pick = mockBytes(context, 'wampcra-shape', authid, 4);
    const template =
      shapes.length === 0
        ? undefined
        : shapes[new DataView(pick.buffer, pick.byteOffset, 4).getUint32(0) % shapes.length];
    const challenge = createCraChallenge({
      authid,
      authrole: template?.role ?? 'user',
      authprovider: config.type,
      session: request.session,
      timestamp: new Date(context.now()).toISOString(),
    });
    const extra: Dict = { challenge };
    if (template?.salt !== undefined) {
      extra['salt'] = encodeBase64(mockBytes(context, 'wampcra', authid, 12));
      extra['iterations'] = template.iterations ?? 1000;
      extra['keylen'] = template.keylen ?? 32;
    }
    return mockChallenge(extra, log);
  };

  if (config.type !== 'static') {
    return {
      name,
      async hello(request: AuthRequest): Promise<HelloOutcome> {
        if (request.authid === undefined) return mock(request, 'no authid given');
        const read = await askAboutHello(context, config, request, name);
        if ('kind' in read) return isAuthenticatorRefusal(read) ? read : mock(request, read.log);
        const credential = readCredential(read.fields);
        if (credential === undefined) return mock(request, 'dynamic authenticator returned no usable secret');
        const accepted = acceptAnswer(request, read, name, config.type);
        if (accepted.kind === 'fail') return mock(request, accepted.log);
        return challengeFor(request, accepted.principal, credential);
      },
    };
  }

  const users = config.users;
  return {
    name,
    hello(request: AuthRequest): MaybePromise<HelloOutcome> {
      const authid = request.authid;
      const user: WampCraUser | undefined =
        authid === undefined || !Object.hasOwn(users, authid) ? undefined : users[authid];
      if (authid === undefined || user === undefined)
        return mock(request, authid === undefined ? 'no authid given' : 'unknown authid');
      const principal = staticPrincipal(request, authid, user, name);
      return challengeFor(request, principal, user, authid);
    },
  };
}

/** The secret (and salt parameters) of a dynamic authenticator's answer. */
function readCredential(fields: Dict): CraCredential | undefined {
  const { secret, salt, iterations, keylen } = fields;
  if (typeof secret !== 'string' || secret.length === 0) return undefined;
  if (salt === undefined || salt === null) return { secret };
  if (typeof salt !== 'string') return undefined;
  const credential: CraCredential = { secret, salt };
  if (typeof iterations === 'number') credential.iterations = iterations;
  if (typeof keylen === 'number') credential.keylen = keylen;
  return credential;
}
