/**
 * Helpers for the dealer's advanced-profile tests, on top of the harness: feature announcements,
 * and short forms of the messages a callee and caller send.
 */
import { type Dict, MessageCode, type MessageOf } from '@interchange/protocol';
import { expect } from 'vitest';
import type { Router } from '../src/router.js';
import { join, type TestClient } from './harness.js';

/** A role entry announcing these features. */
export function features(...names: string[]): Dict {
  return { features: Object.fromEntries(names.map((name) => [name, true])) };
}

/** The RPC features a full advanced client announces. */
const RPC_FEATURES = [
  'call_canceling',
  'progressive_call_results',
  'progressive_call_invocations',
  'call_timeout',
  'registration_revocation',
  'caller_identification',
  'pattern_based_registration',
  'shared_registration',
];

/** Roles of a client with every RPC feature. */
export const ADVANCED: Dict = { caller: features(...RPC_FEATURES), callee: features(...RPC_FEATURES) };

/** Roles of a Basic Profile RPC client (no features). */
export const BASIC: Dict = { caller: {}, callee: {} };

/** Joins realm1 with these roles. */
export function client(router: Router, roles: Dict = ADVANCED): TestClient {
  return join(router, 'realm1', { roles });
}

/** Sends REGISTER and returns the router's one reply. */
export function tryRegister(
  session: TestClient,
  procedure: string,
  options: Dict = {},
): MessageOf<'REGISTERED'> | MessageOf<'ERROR'> {
  const requestId = session.nextId();
  session.receive({ type: 'REGISTER', requestId, options, procedure });
  const replies = session.take();
  expect(replies).toHaveLength(1);
  expect(replies[0]).toMatchObject({ requestId });
  return replies[0] as MessageOf<'REGISTERED'> | MessageOf<'ERROR'>;
}

/** Sends YIELD for an invocation. */
export function yieldTo(
  callee: TestClient,
  invocationId: number,
  init: { options?: Dict; args?: unknown[] } = {},
): void {
  const message: MessageOf<'YIELD'> = { type: 'YIELD', requestId: invocationId, options: init.options ?? {} };
  if (init.args !== undefined) message.args = init.args;
  callee.receive(message);
}

/** Sends ERROR for an invocation. */
export function failInvocation(callee: TestClient, invocationId: number, error: string, args?: unknown[]): void {
  const message: MessageOf<'ERROR'> = {
    type: 'ERROR',
    requestType: MessageCode.INVOCATION,
    requestId: invocationId,
    details: {},
    error,
  };
  if (args !== undefined) message.args = args;
  callee.receive(message);
}

/** Sends CANCEL for a call. */
export function cancel(caller: TestClient, requestId: number, options: Dict = {}): void {
  caller.receive({ type: 'CANCEL', requestId, options });
}

/** Sends a CALL with a given request ID (progressive continuations reuse one). */
export function callWithId(
  caller: TestClient,
  requestId: number,
  procedure: string,
  options: Dict,
  args?: unknown[],
): void {
  const message: MessageOf<'CALL'> = { type: 'CALL', requestId, options, procedure };
  if (args !== undefined) message.args = args;
  caller.receive(message);
}
