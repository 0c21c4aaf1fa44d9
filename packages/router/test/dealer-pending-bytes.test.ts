/**
 * The payload bytes the dealer holds for pending calls (pending-call-bytes.ts) go back to zero
 * however a call ends: answered, failed, re-routed then answered, canceled with `skip` while the
 * callee still works, timed out, its caller gone, its callee gone. A count that drifted up would
 * refuse every call once it reached `limits.pending_call_bytes`; one that drifted down would
 * stop bounding anything. The end-to-end bounds are in
 * packages/server/test/hardening/pending-call-bytes.test.ts.
 */
import { ErrorUri, type MessageOf } from '@interchange/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dealer } from '../src/dealer/dealer.js';
import { Router } from '../src/router.js';
import { BASIC, cancel, client, failInvocation, yieldTo } from './dealer-fixtures.js';
import { expectCleanTraffic, FakeClock } from './harness.js';

let router: Router;
let clock: FakeClock;
let dealer: Dealer;
const ARGS = ['x'.repeat(1000)];

beforeEach(() => {
  clock = new FakeClock();
  router = new Router({
    realms: [{ name: 'realm1', limits: { pendingCallBytes: 10_000, pendingCallBytesPerCallee: 6000 } }],
    clock,
  });
  dealer = router.realm('realm1')!.dealer;
});
afterEach(expectCleanTraffic);

function invocations(messages: { type: string }[]): MessageOf<'INVOCATION'>[] {
  expect(messages.every((m) => m.type === 'INVOCATION')).toBe(true);
  return messages as MessageOf<'INVOCATION'>[];
}

describe('pending call bytes', () => {
  it('counts a call from CALL to its answer, and its failure', () => {
    const callee = client(router);
    callee.register('com.work');
    const caller = client(router);
    caller.call('com.work', { args: ARGS });
    const held = dealer.pendingCallBytes;
    expect(held).toBeGreaterThan(2000);
    caller.call('com.work', { args: ARGS });
    expect(dealer.pendingCallBytes).toBe(2 * held);
    const [first, second] = invocations(callee.take());
    yieldTo(callee, first!.requestId);
    failInvocation(callee, second!.requestId, 'com.error.nope');
    caller.take();
    expect(dealer.pendingCallBytes).toBe(0);
  });

  it('refuses the call that would pass a bound, and takes it again once a call ended', () => {
    const callee = client(router);
    callee.register('com.work');
    const caller = client(router);
    caller.call('com.work', { args: ARGS });
    caller.call('com.work', { args: ARGS });
    // A third call of about 2 KB would pass the callee's 6,000 bytes.
    const third = caller.call('com.work', { args: ARGS });
    expect(caller.takeOne('ERROR')).toMatchObject({
      requestId: third,
      error: 'interchange.error.pending_calls_limit_reached',
    });
    const [first] = invocations(callee.take());
    yieldTo(callee, first!.requestId);
    caller.take();
    caller.call('com.work', { args: ARGS });
    expect(callee.take().map((m) => m.type)).toEqual(['INVOCATION']);
  });

  it('moves a re-routed call to its next callee and releases it once answered', () => {
    const [a, b] = [client(router), client(router)];
    a.register('com.shared', { invoke: 'first' });
    b.register('com.shared', { invoke: 'first' });
    const caller = client(router);
    caller.call('com.shared', { args: ARGS });
    failInvocation(a, a.takeOne('INVOCATION').requestId, ErrorUri.UNAVAILABLE);
    yieldTo(b, b.takeOne('INVOCATION').requestId);
    expect(caller.takeOne('RESULT')).toBeDefined();
    expect(dealer.pendingCallBytes).toBe(0);
  });

  it('keeps a skipped call counted until its callee answers, and a timed-out one likewise', () => {
    const callee = client(router, BASIC);
    callee.register('com.work');
    const caller = client(router);
    const skipped = caller.call('com.work', { args: ARGS });
    cancel(caller, skipped, { mode: 'skip' });
    caller.call('com.work', { args: ARGS, options: { timeout: 100 } });
    clock.advance(100);
    expect(caller.take().map((m) => m.type)).toEqual(['ERROR', 'ERROR']);
    // The callee (no call canceling) still works on both: the router keeps their CALLs.
    expect(dealer.pendingCallBytes).toBeGreaterThan(4000);
    for (const invocation of invocations(callee.take())) yieldTo(callee, invocation.requestId);
    expect(dealer.pendingCallBytes).toBe(0);
  });

  it('releases the calls of a caller that left once the callee answers, and those of a callee that left', () => {
    const callee = client(router, BASIC);
    callee.register('com.work');
    const leaving = client(router);
    leaving.call('com.work', { args: ARGS });
    leaving.connection.transportClosed();
    expect(dealer.pendingCallBytes).toBeGreaterThan(2000);
    yieldTo(callee, callee.takeOne('INVOCATION').requestId);
    expect(dealer.pendingCallBytes).toBe(0);

    const caller = client(router);
    caller.call('com.work', { args: ARGS });
    callee.connection.transportClosed();
    expect(caller.takeOne('ERROR').error).toBe(ErrorUri.CANCELED);
    expect(dealer.pendingCallBytes).toBe(0);
  });
});
