/**
 * Routed RPC of the advanced profile through the real node, with our typed client on both
 * ends: pattern-based and shared registrations, re-routing, the concurrency limit and
 * force_reregister.
 */
import { ApplicationError, InvalidArgumentError, type Session } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { signal, useNodeWithSessions } from '../support/advanced-sessions.js';

const { open } = useNodeWithSessions();

describe('pattern-based registrations (advanced "Pattern-based Registration")', () => {
  it('routes by precedence exact, longest prefix, wildcard, and tells the handler the procedure called', async () => {
    const [callee, caller] = (await open(2)) as [Session, Session];
    await callee.register('com.e2e.pat.exact.op', (inv) => `exact ${inv.procedure}`);
    await callee.register('com.e2e.pat.', (inv) => `short prefix ${inv.procedure}`, { match: 'prefix' });
    await callee.register('com.e2e.pat.exact.', (inv) => `long prefix ${inv.procedure}`, { match: 'prefix' });
    await callee.register('com.e2e..exact.op', (inv) => `wildcard ${inv.procedure}`, { match: 'wildcard' });
    const answer = async (procedure: string) => (await caller.call(procedure)).args[0];
    expect(await answer('com.e2e.pat.exact.op')).toBe('exact com.e2e.pat.exact.op');
    expect(await answer('com.e2e.pat.exact.other')).toBe('long prefix com.e2e.pat.exact.other');
    expect(await answer('com.e2e.pat.x')).toBe('short prefix com.e2e.pat.x');
    expect(await answer('com.e2e.zzz.exact.op')).toBe('wildcard com.e2e.zzz.exact.op');
  });

  it('refuses an unknown match policy before sending; sent anyway, the router aborts the session', async () => {
    const [callee, bystander] = (await open(2)) as [Session, Session];
    expect(() => callee.register('com.e2e.x', () => 1, { match: 'regex' as never })).toThrow(InvalidArgumentError);
    // The test vectors make an unknown `match` a protocol violation, not an ERROR.
    await expect(callee.register('com.e2e.x', () => 1, { extra: { match: 'regex' } })).rejects.toMatchObject({
      name: 'SessionClosedError',
    });
    expect((await callee.closed).reason).toBe('wamp.error.protocol_violation');
    await bystander.register('com.e2e.still_fine', () => 'fine');
    expect((await bystander.call('com.e2e.still_fine')).args).toEqual(['fine']);
  });
});

describe('shared registrations (advanced "Shared Registration")', () => {
  it('spreads calls by roundrobin and sends first/last to the first and last callee', async () => {
    const [a, b, c, caller] = (await open(4)) as [Session, Session, Session, Session];
    for (const [name, s] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const) {
      await s.register('com.e2e.rr', () => name, { invoke: 'roundrobin' });
      await s.register('com.e2e.first', () => name, { invoke: 'first' });
      await s.register('com.e2e.last', () => name, { invoke: 'last' });
    }
    const rr: unknown[] = [];
    for (let i = 0; i < 6; i++) rr.push((await caller.call('com.e2e.rr')).args[0]);
    expect(rr).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect((await caller.call('com.e2e.first')).args[0]).toBe('a');
    expect((await caller.call('com.e2e.last')).args[0]).toBe('c');
  });

  it('refuses a second registration with a different invocation policy, and any second one under single', async () => {
    const [a, b] = (await open(2)) as [Session, Session];
    await a.register('com.e2e.policy', () => 1, { invoke: 'random' });
    await expect(b.register('com.e2e.policy', () => 2, { invoke: 'roundrobin' })).rejects.toMatchObject({
      uri: 'wamp.error.procedure_already_exists',
    });
    await a.register('com.e2e.single', () => 1);
    await expect(b.register('com.e2e.single', () => 2)).rejects.toMatchObject({
      uri: 'wamp.error.procedure_already_exists',
    });
    expect(a.isOpen && b.isOpen).toBe(true);
  });

  it('refuses an unknown invocation policy: at once in the client, with option_not_allowed at the router', async () => {
    const [a] = (await open(1)) as [Session];
    expect(() => a.register('com.e2e.policy2', () => 1, { invoke: 'sometimes' as never })).toThrow(
      InvalidArgumentError,
    );
    await expect(a.register('com.e2e.policy2', () => 1, { extra: { invoke: 'sometimes' } })).rejects.toMatchObject({
      uri: 'wamp.error.option_not_allowed',
    });
    expect(a.isOpen).toBe(true);
  });
});

describe('call re-routing (advanced "Call Re-Routing")', () => {
  it('passes the call to the next callee when one answers wamp.error.unavailable', async () => {
    const [busy, free, caller] = (await open(3)) as [Session, Session, Session];
    let asked = 0;
    await busy.register(
      'com.e2e.reroute',
      () => {
        asked += 1;
        throw new ApplicationError('wamp.error.unavailable');
      },
      { invoke: 'first' },
    );
    await free.register('com.e2e.reroute', (inv) => `served ${String(inv.args[0])}`, { invoke: 'first' });
    expect((await caller.call('com.e2e.reroute', ['job'])).args).toEqual(['served job']);
    expect(asked).toBe(1);
  });

  it('answers wamp.error.no_available_callee when every callee is unavailable', async () => {
    const [a, b, caller] = (await open(3)) as [Session, Session, Session];
    for (const s of [a, b]) {
      await s.register(
        'com.e2e.nobody',
        () => {
          throw new ApplicationError('wamp.error.unavailable');
        },
        { invoke: 'roundrobin' },
      );
    }
    await expect(caller.call('com.e2e.nobody')).rejects.toMatchObject({ uri: 'wamp.error.no_available_callee' });
  });
});

describe("Crossbar's concurrency limit and force_reregister", () => {
  it('fails a call beyond the concurrency limit with crossbar.error.max_concurrency_reached', async () => {
    const [callee, caller] = (await open(2)) as [Session, Session];
    const started = signal();
    const release = signal<string>();
    await callee.register(
      'com.e2e.limited',
      () => {
        started.resolve();
        return release.promise;
      },
      { concurrency: 1 },
    );
    const first = caller.call('com.e2e.limited');
    await started.promise;
    await expect(caller.call('com.e2e.limited')).rejects.toMatchObject({
      uri: 'crossbar.error.max_concurrency_reached',
    });
    release.resolve('first done');
    expect((await first).args).toEqual(['first done']);
  });

  it('refuses force_reregister over a registration of another authid; the owner keeps serving', async () => {
    // Anonymous sessions get a random authid each: another principal may not take over (issue 12).
    // A session of the same authid may (packages/router/test/dealer-registrations.test.ts).
    const [old, other, caller] = (await open(3)) as [Session, Session, Session];
    const oldRegistration = await old.register('com.e2e.takeover', () => 'old');
    await expect(other.register('com.e2e.takeover', () => 'new', { force_reregister: true })).rejects.toMatchObject({
      uri: 'wamp.error.not_authorized',
    });
    expect(oldRegistration.active).toBe(true);
    expect((await caller.call('com.e2e.takeover')).args).toEqual(['old']);
  });
});
