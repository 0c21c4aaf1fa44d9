/**
 * The authentication methods of the typed `auth` option beyond `anonymous` and `ticket`. Each
 * needs crypto code (HMAC and PBKDF2, Ed25519, Argon2), so each adds itself when its entry point
 * is imported (`@interchange/client/auth/wampcra`, `/auth/cryptosign`, `/auth/scram`; the full
 * `@interchange/client` imports all three). Naming a method that is not loaded fails when the
 * session is made, with the import that loads it.
 */
import { InvalidArgumentError } from '@interchange/protocol';
import type { AuthOptions, ClientAuthentication } from './auth-options.js';

/** The methods that load on import, and the entry point of each. */
export const OPTIONAL_AUTH_METHODS = {
  wampcra: '@interchange/client/auth/wampcra',
  cryptosign: '@interchange/client/auth/cryptosign',
  scram: '@interchange/client/auth/scram',
} as const;
/** One of the keys of {@link OPTIONAL_AUTH_METHODS}. */
export type OptionalAuthMethod = keyof typeof OPTIONAL_AUTH_METHODS;

/** The options of one method, as {@link AuthOptions} types them. */
export type AuthMethodOptions<M extends OptionalAuthMethod> = Extract<AuthOptions, Record<M, unknown>>[M];

/** Builds the authentication of one join from the method's options and the session's authid. */
export type AuthMethodFactory<M extends OptionalAuthMethod> = (
  options: AuthMethodOptions<M>,
  authid: string | undefined,
) => ClientAuthentication;

const methods = new Map<OptionalAuthMethod, AuthMethodFactory<never>>();

/** Makes `auth: { [method]: ... }` usable. Called by the entry points. */
export function registerAuthMethod<M extends OptionalAuthMethod>(method: M, factory: AuthMethodFactory<M>): void {
  methods.set(method, factory as AuthMethodFactory<never>);
}

/**
 * The authentication of one join with a loaded method.
 *
 * @throws InvalidArgumentError when the method's entry point was not imported.
 */
export function loadedAuthentication<M extends OptionalAuthMethod>(
  method: M,
  options: AuthMethodOptions<M>,
  authid: string | undefined,
): ClientAuthentication {
  const factory = methods.get(method) as AuthMethodFactory<M> | undefined;
  if (factory === undefined) {
    throw new InvalidArgumentError(
      `auth.${method} is not loaded: import '${OPTIONAL_AUTH_METHODS[method]}' (or '@interchange/client', which loads every method)`,
    );
  }
  return factory(options, authid);
}
