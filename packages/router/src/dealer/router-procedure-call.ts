/**
 * A CALL answered by one of the realm's router procedures (`meta/router-procedures.ts`) instead
 * of a callee: runs the handler and turns what it settles to into the caller's RESULT or ERROR.
 * Separate from the dealer, which only decides that a call goes here.
 */
import { type CallMessage, type ErrorMessage, MessageCode, type ResultMessage } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { type RouterProcedureHandler, runRouterProcedure } from '../meta/router-procedures.js';
import { copyPayload } from '../payload.js';
import type { RealmMember } from '../realm/realm-member.js';

/** Runs a router procedure and answers the caller with its RESULT or ERROR when it settles. */
export function callRouterProcedure(
  logger: Logger,
  session: RealmMember,
  message: CallMessage,
  handler: RouterProcedureHandler,
): void {
  const call = { caller: session, args: message.args ?? [], kwargs: message.kwargs ?? {}, options: message.options };
  void runRouterProcedure(handler, call).then((outcome) => {
    if (outcome.ok) {
      const result: ResultMessage = { type: 'RESULT', requestId: message.requestId, details: {} };
      session.send(copyPayload(result, outcome.result ?? {}));
      return;
    }
    logger.debug(
      { session: session.id, procedure: message.procedure, error: outcome.error },
      'router procedure failed',
    );
    const reply: ErrorMessage = {
      type: 'ERROR',
      requestType: MessageCode.CALL,
      requestId: message.requestId,
      details: {},
      error: outcome.error,
    };
    // Empty kwargs are left out, as an ERROR built by the router does.
    const kwargs = Object.keys(outcome.kwargs).length > 0 ? { kwargs: outcome.kwargs } : {};
    session.send(copyPayload(reply, { args: outcome.args, ...kwargs }));
  });
}
