import { describe, expect, it } from 'vitest';
import { flush } from './helpers/fake-clock.js';
import { sessionWithRouter } from './helpers/fake-router.js';

/** The features each role announces in HELLO, as a router reads them. */
async function announced(): Promise<Record<string, string[]>> {
  const { session, router } = sessionWithRouter();
  void session.join();
  const hello = await router.next('HELLO');
  await flush();
  const roles = hello.details['roles'] as Record<string, { features: Record<string, boolean> }>;
  return Object.fromEntries(
    Object.entries(roles).map(([role, { features }]) => [
      role,
      Object.keys(features)
        .filter((f) => features[f] === true)
        .sort(),
    ]),
  );
}

describe('HELLO feature announcement (spec: advanced "Feature Announcement")', () => {
  it('announces every advanced feature the client implements, per role', async () => {
    expect(await announced()).toEqual({
      caller: [
        'call_canceling',
        'call_timeout',
        'caller_identification',
        'payload_passthru_mode',
        'progressive_call_invocations',
        'progressive_call_results',
      ],
      callee: [
        'call_canceling',
        'call_reroute',
        'call_timeout',
        'caller_identification',
        'pattern_based_registration',
        'payload_passthru_mode',
        'progressive_call_invocations',
        'progressive_call_results',
        'registration_revocation',
        'shared_registration',
      ],
      publisher: [
        'payload_passthru_mode',
        'publisher_exclusion',
        'publisher_identification',
        'subscriber_blackwhite_listing',
      ],
      subscriber: [
        'event_history',
        'pattern_based_subscription',
        'payload_passthru_mode',
        'publisher_identification',
        'subscription_revocation',
      ],
    });
  });
});
