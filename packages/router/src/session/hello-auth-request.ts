/**
 * What an authenticating session asks its transport's authenticators, read from HELLO (spec:
 * advanced "Authentication": `authmethods`, `authid`, `authrole`, `authextra`). Separate from the
 * session's state machine: it reads only the HELLO and what the transport knows.
 */
import type { HelloMessage, Id } from '@interchange/protocol';
import type { AuthRequest } from '../auth/auth-method.js';
import type { TransportCredentials } from '../auth/transport-auth.js';
import { isDict } from './hello-admission.js';
import type { TransportInfo } from './peer.js';

/** The request the authenticators get for `hello` of session `session` over `transport`. */
export function authRequestOf(
  hello: HelloMessage,
  session: Id,
  transport: TransportInfo,
  credentials: TransportCredentials,
): AuthRequest {
  const { details } = hello;
  return {
    realm: hello.realm ?? '',
    authid: typeof details.authid === 'string' ? details.authid : undefined,
    authrole: typeof details.authrole === 'string' ? details.authrole : undefined,
    authextra: isDict(details.authextra) ? details.authextra : {},
    session,
    transport,
    credentials,
  };
}

/** The authentication methods the client offers, in its order of preference; none when malformed. */
export function offeredAuthMethods(hello: HelloMessage): string[] {
  const { authmethods } = hello.details;
  return Array.isArray(authmethods) ? authmethods.filter((m): m is string => typeof m === 'string') : [];
}
