import { type CallMessage, type CancelMessage, isPassthru, RpcFeature } from '@interchange/protocol';
import { announcesPassthru } from '../passthru.js';
import type { RealmMember } from '../realm/realm-member.js';
import type { Callee } from './registration-store.js';

/**
 * What a callee's announced features allow the dealer to do with it, and what a CANCEL may ask
 * for: the checks of the advanced profile's RPC features that decide whether a call can go to a
 * callee, and how it can be ended there.
 */

/** The cancel modes of `CANCEL.Options.mode` (advanced profile "Call Canceling"). */
export type CancelMode = 'skip' | 'kill' | 'killnowait';

/** Why a CANCEL's mode is a protocol error (advanced profile "Call Canceling"), or `undefined`. */
export function cancelModeViolation(message: CancelMessage): string | undefined {
  const mode = message.options.mode ?? 'killnowait';
  if (mode === 'skip' || mode === 'kill' || mode === 'killnowait') return undefined;
  return `CANCEL mode must be 'skip', 'kill' or 'killnowait', got ${JSON.stringify(mode)}.`;
}

/** Whether the dealer may send INTERRUPT to this callee (advanced profile "Call Canceling"). */
export function canInterrupt(callee: Callee): boolean {
  return callee.session.announces('callee', RpcFeature.CALL_CANCELING);
}

/**
 * Why a callee cannot take this call, or `undefined` when it can: advanced profile "Payload
 * Passthru Mode" (passthru call to a callee without the feature) and "Progressive Call
 * Invocations" (the callee must announce progressive_call_invocations and call_canceling).
 * Both are application errors, `wamp.error.feature_not_supported`.
 */
export function unsupportedBy(callee: RealmMember, call: CallMessage): string | undefined {
  if (isPassthru(call.options) && !announcesPassthru(callee, 'callee')) {
    return `the callee of '${call.procedure}' does not support payload passthru mode`;
  }
  if (
    call.options.progress === true &&
    !(
      callee.announces('callee', RpcFeature.PROGRESSIVE_CALL_INVOCATIONS) &&
      callee.announces('callee', RpcFeature.CALL_CANCELING)
    )
  ) {
    return `the callee of '${call.procedure}' does not support progressive call invocations`;
  }
  return undefined;
}
