/**
 * `@interchange/client/auth/scram`: WAMP-SCRAM with Argon2id or PBKDF2 (spec: advanced "Salted
 * Challenge Response Authentication"). Importing it lets `auth: { scram: { authid, password } }`
 * work (auth-registry.ts); it brings the Argon2 WebAssembly, which is why it is separate.
 *
 * @example
 * import { connect } from '@interchange/client/core';
 * import '@interchange/client/auth/scram';
 * await connect({ url, realm: 'realm1', auth: { scram: { authid: 'joe', password: 'pw' } } });
 */
import { InvalidArgumentError, ScramDialect } from '@interchange/protocol';
import { expectMethod } from './auth-options.js';
import { registerAuthMethod } from './auth-registry.js';
import { ScramExchange } from './auth-scram.js';

registerAuthMethod('scram', (options, authid) => {
  const user = options?.authid ?? authid;
  if (typeof user !== 'string' || typeof options?.password !== 'string')
    throw new InvalidArgumentError('auth.scram: give { authid, password }');
  const dialect = options.dialect ?? ScramDialect.SPEC;
  if (dialect !== ScramDialect.SPEC && dialect !== ScramDialect.CROSSBAR)
    throw new InvalidArgumentError("auth.scram.dialect is 'wamp-scram' or 'scram'");
  const exchange = new ScramExchange(user, options.password, {
    dialect,
    ...(options.minimums === undefined ? {} : { minimums: options.minimums }),
  });
  return {
    authmethods: [dialect],
    authid: user,
    authextra: exchange.authextra,
    answer: (challenge) => {
      expectMethod(challenge, dialect);
      return exchange.answer(challenge.extra);
    },
    checkWelcome: (details) =>
      exchange.verifyWelcome(details['authextra'])
        ? undefined
        : 'the router did not prove it knows the SCRAM server key',
  };
});

export type { ScramMinimums } from './auth-scram.js';
export { ScramExchange } from './auth-scram.js';
