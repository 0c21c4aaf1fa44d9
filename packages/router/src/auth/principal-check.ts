/**
 * Turns what a dynamic authenticator answered into a {@link Principal}, shared by the methods:
 * the answer's `authid` wins over the one the client asked for, its `realm` over the realm the
 * client asked for, and its `extra` becomes `WELCOME.Details.authextra` (Crossbar's rules).
 */
import { type Dict, ErrorUri } from '@interchange/protocol';
import { NO_REALM_MESSAGE } from '../session/hello-admission.js';
import {
  type AuthAccepted,
  type AuthFailed,
  type AuthMethodContext,
  type AuthRequest,
  authenticatorDetails,
  describeError,
  fail,
} from './auth-method.js';
import { makePrincipal, type PrincipalAnswer, readPrincipalAnswer } from './principal.js';

/**
 * Asks the dynamic authenticator, called as `authenticate(realm, authid, details)` (Crossbar's
 * signature), and reads its answer; a failure (for the log) when the call fails or the answer is
 * unusable. Each method decides what a failure means for the client (ABORT, or a mock challenge).
 */
export async function askAuthenticator(
  context: AuthMethodContext,
  config: Parameters<AuthMethodContext['callAuthenticator']>[0],
  request: AuthRequest,
  authid: string | null | undefined,
  details: Dict,
): Promise<PrincipalAnswer | AuthFailed> {
  if (request.realm === '' && config.type === 'dynamic' && config['authenticator-realm'] === undefined) {
    // Nothing to call it on: the client named no realm and the config names none for it.
    return {
      kind: 'fail',
      log: 'no realm requested, and the authenticator has no authenticator-realm',
      abort: { reason: ErrorUri.NO_SUCH_REALM, message: NO_REALM_MESSAGE },
    };
  }
  let answer: unknown;
  try {
    // Crossbar's signature: the realm is `null` when the client asked for none.
    const realm = request.realm === '' ? null : request.realm;
    answer = await context.callAuthenticator(config, request.realm, [realm, authid ?? null, details]);
  } catch (error) {
    return authenticatorRefusal(error);
  }
  return readAnswer(answer);
}

/**
 * {@link askAuthenticator} about the authid the client gave in HELLO, with the details every
 * method sends (see `authenticatorDetails`): what most methods ask when HELLO arrives.
 */
export function askAboutHello(
  context: AuthMethodContext,
  config: Parameters<AuthMethodContext['callAuthenticator']>[0],
  request: AuthRequest,
  authmethod: string,
): Promise<PrincipalAnswer | AuthFailed> {
  return askAuthenticator(context, config, request, request.authid, authenticatorDetails(request, authmethod));
}

/**
 * The failure of an authenticator that raised an error. An error URI of the application's own
 * (anything outside `wamp.`) reaches the client in ABORT with the error's first argument as the
 * message, as Crossbar does; the router's own errors (`wamp.error.runtime_error` for an exception
 * without a URI, no such procedure, timeout, cancel) stay the uniform failure.
 */
export function authenticatorRefusal(error: unknown): AuthFailed {
  const failed = fail(`dynamic authenticator denied: ${describeError(error)}`);
  if (typeof error !== 'object' || error === null) return failed;
  const { uri, args } = error as { uri?: unknown; args?: unknown };
  if (typeof uri !== 'string' || uri.length === 0 || uri.startsWith('wamp.')) return failed;
  const first = Array.isArray(args) ? args[0] : undefined;
  failed.abort =
    first === undefined || first === null
      ? { reason: uri }
      : { reason: uri, message: typeof first === 'string' ? first : JSON.stringify(first) };
  return failed;
}

/** Reads an authenticator's answer; a failure (for the log) when it is unusable. */
export function readAnswer(answer: unknown): PrincipalAnswer | AuthFailed {
  const read = readPrincipalAnswer(answer);
  return 'invalid' in read ? fail(`dynamic authenticator: ${read.invalid}`) : read;
}

/**
 * Accepts the client as `answer`, authenticated by `authmethod` through `authprovider`.
 * `fallbackAuthid` is used when neither the answer nor the client names one.
 */
export function acceptAnswer(
  request: AuthRequest,
  answer: PrincipalAnswer,
  authmethod: string,
  authprovider: string,
  fallbackAuthid?: string,
): AuthAccepted | AuthFailed {
  const authid = answer.authid ?? request.authid ?? fallbackAuthid;
  if (authid === undefined || authid.length === 0) return fail('no authid assigned');
  return {
    kind: 'welcome',
    principal: makePrincipal({
      realm: answer.realm ?? request.realm,
      authid,
      authrole: answer.role,
      authmethod,
      authprovider,
      authextra: answer.extra,
    }),
  };
}
