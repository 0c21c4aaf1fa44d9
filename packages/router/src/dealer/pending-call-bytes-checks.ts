import { type Id, MessageCode } from '@interchange/protocol';
import type { OffenderLog } from '../offender-log.js';
import { refuse } from '../payload.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { ProtocolViolation } from '../session/protocol-violation.js';
import { PENDING_CALLS_LIMIT_REACHED } from './call-errors.js';
import type { PendingCallByteBound, PendingCallBytes } from './pending-call-bytes.js';
import type { PickResult, Registration } from './registration-store.js';

/**
 * Where a new call meets the bounds on pending call bytes (pending-call-bytes.ts): the callee
 * it goes to must have room for its bytes, and a call past a bound is refused with
 * `interchange.error.pending_calls_limit_reached`, naming the bound.
 */

/**
 * The callee a call of `callBytes` goes to, by the registration's invocation policy, passing
 * over callees without room for its bytes as a busy one is (`first` is the policy's first
 * pick). `'full'` when every callee that had a slot lacked the room.
 */
export function pickWithRoom(
  registration: Registration,
  random: () => number,
  bytes: PendingCallBytes,
  callBytes: number,
  first: PickResult,
): PickResult | 'full' {
  let picked = first;
  let full: Set<RealmMember> | undefined;
  while (picked !== undefined && picked !== 'busy') {
    if (bytes.calleeHasRoom(picked.session, callBytes)) return picked;
    full ??= new Set();
    full.add(picked.session);
    picked = registration.pick(random, full);
  }
  return full !== undefined && picked === undefined ? 'full' : picked;
}

/** ERROR for a CALL past a bound of pending call bytes, logged once per caller. */
export function refuseBytes(
  offenders: OffenderLog,
  bytes: PendingCallBytes,
  session: RealmMember,
  requestId: Id,
  key: PendingCallByteBound,
  procedure: string,
): ProtocolViolation {
  const bound = bytes.bound(key);
  offenders.hit(key, session, 'pending calls at their bound of bytes', { bound, procedure });
  const text =
    key === 'limits.pending_call_bytes'
      ? `the realm's pending calls hold their bound of ${bound} bytes (${key})`
      : `every callee of '${procedure}' holds its bound of ${bound} bytes of pending calls (${key})`;
  return refuse(session, MessageCode.CALL, requestId, PENDING_CALLS_LIMIT_REACHED, text);
}
