/**
 * Remote procedure calls across three router nodes joined through a real nats-server: the
 * caller on one node, callees on others. Results, errors, caller disclosure, progressive
 * results and invocations, cancel, router-enforced timeouts, shared registrations' invocation
 * policies over callees on several nodes, pattern precedence, and the NATS max_payload limit.
 */
import { ApplicationError, CanceledError, type Invocation, TimeoutError } from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/advanced-sessions.js';
import { useCluster } from './cluster-fixture.js';
import { registeredEverywhere } from './cluster-support.js';

const { nodes, on } = useCluster(['a', 'b', 'c']);

describe('calls to a callee on another node', () => {
  it('returns results and application errors as from a local callee', async () => {
    const callee = await on(1);
    await callee.register('com.rpc.add', ({ args }) => (args[0] as number) + (args[1] as number));
    await callee.register('com.rpc.fail', () => {
      throw new ApplicationError('com.example.oops', { args: ['bad', 1], kwargs: { why: 'test' } });
    });
    await registeredEverywhere(nodes, 'com.rpc.add', 1);
    await registeredEverywhere(nodes, 'com.rpc.fail', 1);
    const caller = await on(0);
    expect((await caller.call('com.rpc.add', [2, 3])).args).toEqual([5]);
    const error = await caller.call('com.rpc.fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect(error).toMatchObject({ uri: 'com.example.oops', args: ['bad', 1], kwargs: { why: 'test' } });
  });

  it('discloses the caller on another node when asked', async () => {
    const callee = await on(2);
    await callee.register('com.rpc.whoami', ({ details }) => [details.caller, details.caller_authid ?? null], {
      disclose_caller: true,
    });
    await registeredEverywhere(nodes, 'com.rpc.whoami', 1);
    const caller = await on(0, { authid: 'carl', authrole: 'user' });
    expect((await caller.call('com.rpc.whoami')).args).toEqual([[caller.id, 'carl']]);
  });

  it('sends no_such_procedure once the callee on another node unregistered', async () => {
    const callee = await on(1);
    const registration = await callee.register('com.rpc.gone', () => 1);
    await registeredEverywhere(nodes, 'com.rpc.gone', 1);
    await registration.unregister();
    await registeredEverywhere(nodes, 'com.rpc.gone', 0);
    const caller = await on(0);
    await expect(caller.call('com.rpc.gone')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
  });

  it('fails pending calls with canceled when the callee on another node leaves', async () => {
    const callee = await on(1);
    const started: Invocation[] = [];
    await callee.register('com.rpc.leaver', (inv) => {
      started.push(inv);
      return new Promise(() => undefined);
    });
    await registeredEverywhere(nodes, 'com.rpc.leaver', 1);
    const caller = await on(0);
    const outcome = caller.call('com.rpc.leaver').catch((e: unknown) => e);
    await eventually(() => started.length === 1);
    await callee.leave();
    expect(await outcome).toMatchObject({ uri: 'wamp.error.canceled' });
  });
});

describe('progressive calls across nodes', () => {
  it('delivers progressive results in order, then the final one', async () => {
    const callee = await on(1);
    await callee.register('com.rpc.count', (inv) => {
      const n = inv.args[0] as number;
      if (inv.receiveProgress) for (let i = 1; i < n; i++) inv.progress(i);
      return n;
    });
    await registeredEverywhere(nodes, 'com.rpc.count', 1);
    const caller = await on(2);
    const seen: unknown[] = [];
    for await (const result of caller.callProgressive('com.rpc.count', [4]))
      seen.push([result.args[0], result.details.progress === true]);
    expect(seen).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
    ]);
  });

  it('streams progressive invocations to one callee on another node', async () => {
    const callee = await on(1);
    await callee.register('com.rpc.sum', async (inv) => {
      let total = 0;
      for await (const chunk of inv.input) total += chunk.args[0] as number;
      return total;
    });
    await registeredEverywhere(nodes, 'com.rpc.sum', 1);
    const caller = await on(0);
    const upload = caller.callStreaming('com.rpc.sum');
    for (const n of [1, 2, 3]) upload.send([n]);
    expect((await upload.end([4])).args).toEqual([10]);
  });
});

describe('cancel and timeout across nodes', () => {
  async function hanging(procedure: string): Promise<Invocation[]> {
    const callee = await on(2);
    const started: Invocation[] = [];
    await callee.register(procedure, (inv) => {
      started.push(inv);
      return new Promise((_, reject) => inv.signal.addEventListener('abort', () => reject(inv.signal.reason)));
    });
    await registeredEverywhere(nodes, procedure, 1);
    return started;
  }

  it.each(['skip', 'kill', 'killnowait'] as const)('cancel mode %s: the caller gets CanceledError', async (mode) => {
    const procedure = `com.rpc.cancel.${mode}`;
    const started = await hanging(procedure);
    const caller = await on(0);
    const controller = new AbortController();
    const call = caller.call(procedure, [], { signal: controller.signal, cancelMode: mode });
    const invocation = await eventually(() => started[0]);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    // The INTERRUPT crossed to the callee's node (skip tells the callee nothing).
    if (mode !== 'skip') await eventually(() => invocation.signal.aborted);
  });

  it('enforces the call timeout in the router and interrupts the callee on the other node', async () => {
    const started = await hanging('com.rpc.slow');
    const caller = await on(0);
    const error = await caller.call('com.rpc.slow', [], { timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const invocation = await eventually(() => started[0]);
    await eventually(() => invocation.signal.aborted);
  });
});

describe('shared and pattern registrations over several nodes', () => {
  it('round-robins over callees on two other nodes', async () => {
    for (const n of [1, 2]) {
      const callee = await on(n);
      await callee.register('com.rpc.rr', () => `node${n}`, { invoke: 'roundrobin' });
      await registeredEverywhere(nodes, 'com.rpc.rr', n);
    }
    const caller = await on(0);
    const served: string[] = [];
    for (let i = 0; i < 4; i++) served.push((await caller.call('com.rpc.rr')).args[0] as string);
    expect(served.filter((s) => s === 'node1')).toHaveLength(2);
    expect(served.filter((s) => s === 'node2')).toHaveLength(2);
    expect(served[0]).not.toBe(served[1]);
  });

  it('first and last pick by registration order, including a local callee', async () => {
    const order: string[] = [];
    for (const n of [1, 0, 2]) {
      const callee = await on(n);
      await callee.register('com.rpc.first', () => `node${n}`, { invoke: 'first' });
      order.push(`node${n}`);
      await registeredEverywhere(nodes, 'com.rpc.first', order.length);
    }
    for (const n of [0, 1, 2]) {
      const caller = await on(n);
      expect((await caller.call('com.rpc.first')).args).toEqual(['node1']);
    }
  });

  it('re-routes a call to a callee on another node when the first answers wamp.error.unavailable', async () => {
    const busy = await on(1);
    let asked = 0;
    await busy.register(
      'com.rpc.reroute',
      () => {
        asked++;
        throw new ApplicationError('wamp.error.unavailable');
      },
      { invoke: 'first' },
    );
    await registeredEverywhere(nodes, 'com.rpc.reroute', 1);
    const free = await on(2);
    await free.register('com.rpc.reroute', (inv) => `served ${String(inv.args[0])}`, { invoke: 'first' });
    await registeredEverywhere(nodes, 'com.rpc.reroute', 2);
    const caller = await on(0);
    expect((await caller.call('com.rpc.reroute', ['job'])).args).toEqual(['served job']);
    expect(asked).toBe(1);
  });

  it('an exact registration on one node wins over a prefix and a wildcard on others', async () => {
    const prefix = await on(1);
    await prefix.register('com.rpc.pat', ({ details }) => `prefix:${details.procedure}`, { match: 'prefix' });
    const wildcard = await on(2);
    await wildcard.register('com.rpc..x', ({ details }) => `wildcard:${details.procedure}`, { match: 'wildcard' });
    await registeredEverywhere(nodes, 'com.rpc.pat', 1, 'prefix');
    await registeredEverywhere(nodes, 'com.rpc..x', 1, 'wildcard');
    const caller = await on(0);
    expect((await caller.call('com.rpc.pattern.y')).args).toEqual(['prefix:com.rpc.pattern.y']);
    expect((await caller.call('com.rpc.q.x')).args).toEqual(['wildcard:com.rpc.q.x']);
    const exact = await on(2);
    await exact.register('com.rpc.pattern.y', () => 'exact');
    await registeredEverywhere(nodes, 'com.rpc.pattern.y', 1);
    expect((await caller.call('com.rpc.pattern.y')).args).toEqual(['exact']);
  });
});

describe('limits', () => {
  it('answers payload_size_exceeded for a call larger than NATS max_payload, never drops it', async () => {
    const callee = await on(1);
    await callee.register('com.rpc.echo', ({ args }) => (args[0] as string).length);
    await callee.register('com.rpc.big', () => 'y'.repeat(1024 * 1024 + 10));
    await registeredEverywhere(nodes, 'com.rpc.echo', 1);
    await registeredEverywhere(nodes, 'com.rpc.big', 1);
    const caller = await on(0);
    const big = 'x'.repeat(1024 * 1024 + 10);
    await expect(caller.call('com.rpc.echo', [big])).rejects.toMatchObject({
      uri: 'wamp.error.payload_size_exceeded',
    });
    await expect(caller.call('com.rpc.big')).rejects.toMatchObject({ uri: 'wamp.error.payload_size_exceeded' });
    expect((await caller.call('com.rpc.echo', ['ok'])).args).toEqual([2]);
  });
});
