/**
 * Turns what a dynamic authenticator answered into a {@link Principal}, shared by the methods:
 * the answer's `authid` wins over the one the client asked for, its `realm` over the realm the
 * client asked for, and its `extra` becomes `WELCOME.Details.authextra` (Crossbar's rules).
 */
import type { Dict } from '@interchange/protocol';
import {
  type AuthAccepted,
  type AuthFailed,
  type AuthMethodContext,
  type AuthRequest,
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
  let answer: unknown;
  try {
    answer = await context.callAuthenticator(config, request.realm, [request.realm, authid ?? null, details]);
  } catch (error) {
    return fail(`dynamic authenticator denied: ${describeError(error)}`);
  }
  return readAnswer(answer);
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
