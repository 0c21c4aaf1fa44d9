import type { InvocationMessage, ResultMessage } from '@interchange/protocol';
import type { RealmMember } from '../realm/realm-member.js';
import type { RouterStats } from '../router-stats.js';

/**
 * Sends an INVOCATION or a RESULT and counts it in the router's statistics at its fixed slot,
 * where `RouterSession.send` would look the slot up by type. Returns the transport's reason when
 * it refused the message, as `send` does.
 *
 * Why the dealer counts: with the count inside it, `RouterSession.send` grew past what V8
 * inlines into the dealer's `#invoke` (issue 14: counting must not cost the hot path measurably;
 * BENCHMARKS.md, "The cost of counting"), as the broker counts a fan-out's EVENTs once
 * (broker/delivery-count.ts). The figures are the same as counting in `send`: a message handed to
 * the transport counts, refused or not; one to a closing session does not.
 */
export function sendCallMessage(
  member: RealmMember,
  message: InvocationMessage | ResultMessage,
  stats: RouterStats | undefined,
): string | undefined {
  if (member.sendUncounted === undefined || stats === undefined) return refusal(member.send(message));
  const outcome = member.sendUncounted(message);
  if (outcome === false) return undefined;
  if (message.type === 'RESULT') stats.countResult();
  else stats.countInvocation();
  return outcome === true ? undefined : outcome;
}

// biome-ignore lint/suspicious/noConfusingVoidType: RealmMember.send returns void when it always sends.
function refusal(refused: string | void): string | undefined {
  return typeof refused === 'string' ? refused : undefined;
}
