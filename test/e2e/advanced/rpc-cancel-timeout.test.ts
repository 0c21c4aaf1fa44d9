/**
 * Call canceling and call timeouts through the real node: the caller's AbortSignal and timeout,
 * the callee's `invocation.signal`, and what each side sees for every cancel mode.
 */
import { CanceledError, InvalidArgumentError, type Invocation, type Session, TimeoutError } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually, signal, useNodeWithSessions } from '../support/advanced-sessions.js';

const { open } = useNodeWithSessions();

async function pair(): Promise<[Session, Session]> {
  return (await open(2)) as [Session, Session];
}

/** Registers a procedure that never finishes on its own; resolves each invocation as it starts. */
async function registerHanging(
  callee: Session,
  procedure: string,
  options = {},
): Promise<{ next: () => Promise<Invocation> }> {
  const started: Invocation[] = [];
  await callee.register(
    procedure,
    (inv) => {
      started.push(inv);
      return new Promise((_, reject) => inv.signal.addEventListener('abort', () => reject(inv.signal.reason)));
    },
    options,
  );
  let taken = 0;
  return { next: () => eventually(() => started[taken] !== undefined && started[taken++]) as Promise<Invocation> };
}

describe('call canceling (advanced "Call Canceling")', () => {
  it.each(['skip', 'kill', 'killnowait'] as const)('with mode %s the caller gets CanceledError', async (mode) => {
    const [callee, caller] = await pair();
    const invocations = await registerHanging(callee, 'com.e2e.cancel');
    const controller = new AbortController();
    const call = caller.call('com.e2e.cancel', [], { signal: controller.signal, cancelMode: mode });
    const invocation = await invocations.next();
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    if (mode !== 'skip') {
      await eventually(() => invocation.signal.aborted);
      expect(invocation.signal.reason).toBeInstanceOf(CanceledError);
    }
    // Both sessions keep working.
    await callee.register('com.e2e.after_cancel', () => 'ok');
    expect((await caller.call('com.e2e.after_cancel')).args).toEqual(['ok']);
    if (mode === 'skip') {
      // The callee is not told; its invocation runs on. With skip the caller's promise rejects at
      // once, before the router has seen the CANCEL, so this is checked only now: the router got
      // the CANCEL before the second CALL (one connection), and an INTERRUPT for it would have
      // reached the callee before the INVOCATION the callee has just answered.
      expect(invocation.signal.aborted).toBe(false);
    }
  });

  it('with kill, a callee that still finishes delivers its result', async () => {
    const [callee, caller] = await pair();
    const started = signal<Invocation>();
    const finish = signal<string>();
    await callee.register('com.e2e.kill_finish', (inv) => {
      started.resolve(inv);
      return finish.promise;
    });
    const controller = new AbortController();
    const call = caller.call('com.e2e.kill_finish', [], { signal: controller.signal, cancelMode: 'kill' });
    const invocation = await started.promise;
    controller.abort();
    await eventually(() => invocation.signal.aborted);
    finish.resolve('finished first');
    expect((await call).args).toEqual(['finished first']);
  });

  it('a caller that leaves cancels its calls: the callee is interrupted', async () => {
    const [callee, caller] = await pair();
    const invocations = await registerHanging(callee, 'com.e2e.orphan');
    void caller.call('com.e2e.orphan').catch(() => {});
    const invocation = await invocations.next();
    await caller.leave();
    await eventually(() => invocation.signal.aborted);
    expect(invocation.signal.reason).toBeInstanceOf(CanceledError);
  });
});

describe('call timeouts (advanced "Call Timeouts")', () => {
  it('the dealer enforces CALL.Options.timeout: TimeoutError for the caller, a TimeoutError abort for the callee', async () => {
    const [callee, caller] = await pair();
    expect(caller.routerHasFeature('dealer', 'call_timeout')).toBe(true);
    const invocations = await registerHanging(callee, 'com.e2e.slow');
    const call = caller.call('com.e2e.slow', [], { timeout: 50 });
    const invocation = await invocations.next();
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).cause).toMatchObject({ uri: 'wamp.error.timeout' });
    await eventually(() => invocation.signal.aborted);
    expect(invocation.signal.reason).toBeInstanceOf(TimeoutError);
  });

  it('a callee registered with forward_timeout runs the timer itself and answers wamp.error.timeout', async () => {
    const [callee, caller] = await pair();
    const invocations = await registerHanging(callee, 'com.e2e.forwarded', { forward_timeout: true });
    const call = caller.call('com.e2e.forwarded', [], { timeout: 50 });
    const invocation = await invocations.next();
    expect(invocation.timeout).toBe(50);
    await expect(call).rejects.toBeInstanceOf(TimeoutError);
    expect(invocation.signal.reason).toBeInstanceOf(TimeoutError);
  });

  it('a result in time wins', async () => {
    const [callee, caller] = await pair();
    await callee.register('com.e2e.quick', () => 'quick');
    expect((await caller.call('com.e2e.quick', [], { timeout: 10_000 })).args).toEqual(['quick']);
  });

  it('refuses a bad timeout at once in the client, and with wamp.error.invalid_argument at the router', async () => {
    const [callee, caller] = await pair();
    await callee.register('com.e2e.quick2', () => 'quick');
    expect(() => caller.call('com.e2e.quick2', [], { timeout: -1 })).toThrow(InvalidArgumentError);
    for (const timeout of [-1, 1.5, 'soon']) {
      await expect(caller.call('com.e2e.quick2', [], { extra: { timeout } })).rejects.toMatchObject({
        uri: 'wamp.error.invalid_argument',
      });
    }
    expect((await caller.call('com.e2e.quick2')).args).toEqual(['quick']);
  });
});
