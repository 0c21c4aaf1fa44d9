import { ErrorUri } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';
import { MAX_CONCURRENCY_REACHED, PENDING_CALLS_LIMIT_REACHED } from './call-errors.js';
import type { PendingCall } from './call-table.js';
import { unsupportedBy } from './callee-support.js';
import type { PendingCallBytes } from './pending-call-bytes.js';
import type { Callee } from './registration-store.js';

/** Why a re-routed call found no callee: the ERROR its caller gets. */
export interface RerouteFailure {
  readonly error: string;
  readonly text: string;
}

/**
 * The next callee of a call whose callee answered `wamp.error.unavailable`, or whose node
 * refused it as busy (`pending.sawBusy`): by the registration's invocation policy, as if the
 * callees in `tried` had not registered (advanced profile "Call Re-Routing", "Rerouting
 * Rules"). A callee that cannot take the call (its features, its bound of pending call bytes) is
 * passed over and added to `tried`. When none is left, the error says why: a busy
 * callee's `max_concurrency_reached` first, then the byte bound, else `no_available_callee`.
 */
export function nextCallee(
  pending: PendingCall,
  tried: Set<RealmMember>,
  random: () => number,
  bytes: PendingCallBytes,
): Callee | RerouteFailure {
  let full = false;
  for (;;) {
    const callee = pending.registration.pick(random, tried);
    if (callee === 'busy' || (callee === undefined && pending.sawBusy)) {
      return { error: MAX_CONCURRENCY_REACHED, text: 'every remaining callee is at its concurrency limit' };
    }
    if (callee === undefined && full) {
      const text = `every remaining callee holds its bound of pending call bytes (limits.pending_call_bytes_per_callee)`;
      return { error: PENDING_CALLS_LIMIT_REACHED, text };
    }
    if (callee === undefined) {
      return { error: ErrorUri.NO_AVAILABLE_CALLEE, text: 'no callee of the procedure is available' };
    }
    if (unsupportedBy(callee.session, pending.call) !== undefined) {
      tried.add(callee.session);
      continue;
    }
    if (!bytes.calleeHasRoom(callee.session, pending.bytes)) {
      full = true;
      tried.add(callee.session);
      continue;
    }
    return callee;
  }
}
