/**
 * `session.meta` (meta-api.ts) is a typed layer over the router's meta procedures and topics that
 * most pages never touch, so the core leaves it out: `@interchange/client/meta` registers it
 * (the full `@interchange/client` does too), and `session.meta` without it fails with that import.
 */
import { InvalidArgumentError } from '@interchange/protocol';
import type { MetaApi } from './meta-api.js';
import type { Session } from './session.js';

let factory: ((session: Session) => MetaApi) | undefined;

/** Makes `session.meta` available. Called by the meta entry point. */
export function registerMetaApi(create: (session: Session) => MetaApi): void {
  factory = create;
}

/**
 * The meta API of `session`.
 *
 * @throws InvalidArgumentError when `@interchange/client/meta` was not imported.
 */
export function createMetaApi(session: Session): MetaApi {
  if (factory === undefined) {
    throw new InvalidArgumentError(
      "session.meta is not loaded: import '@interchange/client/meta' (or '@interchange/client', which loads it)",
    );
  }
  return factory(session);
}
