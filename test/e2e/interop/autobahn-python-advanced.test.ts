/**
 * Interop with Autobahn|Python (22.7.1, Debian's python3-autobahn, run with /usr/bin/python3)
 * on the advanced profile: pattern-based subscriptions, black- and whitelisting, shared
 * registrations, progressive call results, call canceling, call timeouts and the meta API, once
 * per serializer. The script prints what it observed; the assertions are here.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/test-node.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./autobahn_python_advanced.py', import.meta.url));

describe.each(['json', 'msgpack', 'cbor'])('Autobahn|Python advanced profile over wamp.2.%s', (serializer) => {
  const node = useTestNode();

  it('gets the advanced features of our router', async () => {
    const { stdout } = await run('/usr/bin/python3', [script, node.url, 'realm1', serializer], { timeout: 60_000 });
    const observed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

    // Pattern-based subscriptions: EventDetails.topic is the topic published to.
    expect(observed.pattern_events).toEqual([
      ['prefix', 'com.interop.adv.pat.kitchen'],
      ['prefix', 'com.interop.adv.pat.temp'],
      ['wildcard', 'com.interop.adv.hall.temp'],
      ['wildcard', 'com.interop.adv.pat.temp'],
    ]);
    // Black- and whitelisting by session ID, authid and authrole (all sessions are anonymous).
    expect(observed.lists).toEqual({
      b: ['none', 'exclude_authid_c', 'eligible_authrole_anonymous'],
      c: ['none', 'exclude_b', 'eligible_c', 'eligible_authrole_anonymous'],
    });
    // Shared registration, round robin; a second policy is refused.
    expect(observed.roundrobin).toEqual(['b', 'c', 'b', 'c']);
    expect(observed.policy_mismatch).toBe('wamp.error.procedure_already_exists');
    // Progressive call results through CallOptions(on_progress) and CallDetails.progress.
    expect(observed.progressive).toEqual({ progress: [1, 2, 3], final: 4 });
    // Cancel: the caller's future is cancelled and the callee's coroutine interrupted.
    expect(observed.cancel).toEqual({ caller: 'cancelled', callee_interrupted: true });
    // Timeout enforced by the router: wamp.error.timeout, and the callee interrupted; timeout=1
    // is one second, as Autobahn|Python documents it and Crossbar reads it (not 1 ms).
    expect(observed.timeout).toEqual({
      caller: 'wamp.error.timeout',
      callee_interrupted: true,
      after_one_second: true,
    });
    // Meta API.
    expect(observed.meta).toMatchObject({
      count: 3,
      list_has_b: true,
      get_b: { authrole: 'anonymous' },
      get_unknown: 'wamp.error.no_such_session',
      registration_callees: 2,
      registration_match: true,
      registration_get: 'roundrobin',
      subscribers: 2,
      subscription_unknown: 'wamp.error.no_such_subscription',
      on_join_saw_d: true,
      on_leave_saw_d: true,
      killed_e: ['com.interop.maintenance', 'back soon'],
    });
  });
});
