/**
 * `@interchange/client/auth/wampcra`: WAMP-CRA (spec: advanced "Challenge Response
 * Authentication"). Importing it lets `auth: { wampcra: { authid, secret } }` work
 * (auth-registry.ts), and gives Autobahn's `auth_cra` helpers for an `onchallenge` handler.
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/auth/wampcra';
 * await connect({ url, realm: 'realm1', auth: { wampcra: { authid: 'joe', secret: 's3cret' } } });
 */
import { AuthMethod, InvalidArgumentError } from '@interchange/protocol';
import { authCra } from './auth-cra.js';
import { expectMethod } from './auth-options.js';
import { registerAuthMethod } from './auth-registry.js';

registerAuthMethod('wampcra', (options, authid) => {
  const { secret } = options ?? {};
  if (typeof secret !== 'string') throw new InvalidArgumentError('auth.wampcra: give { authid, secret }');
  return {
    authmethods: [AuthMethod.WAMPCRA],
    authid: options.authid ?? authid,
    authextra: undefined,
    answer: (challenge) => {
      expectMethod(challenge, AuthMethod.WAMPCRA);
      return authCra.answer(secret, challenge.extra);
    },
    checkWelcome: () => undefined,
  };
});

export { auth_cra, authCra } from './auth-cra.js';
