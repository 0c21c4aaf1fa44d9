import { messageToArray } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { autobahn } from '../src/autobahn.js';
import { compat } from './helpers/compat-session.js';
import { flush } from './helpers/fake-clock.js';

describe('compat call with receive_progress (advanced "Progressive Call Results")', () => {
  it('hands each progressive result to then(…, …, onProgress) and progress(), in order, before the final result', async () => {
    const { session, router } = await compat();
    const seen: unknown[] = [];
    const pending = session.call('com.example.count', [3], null, { receive_progress: true });
    pending.progress((r) => seen.push(['progress()', r]));
    const done = pending.then(
      (final) => seen.push(['final', final]),
      undefined,
      (r) => seen.push(['then', r]),
    );
    const call = await router.next('CALL');
    expect(messageToArray(call)).toEqual([48, call.requestId, { receive_progress: true }, 'com.example.count', [3]]);
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [1] });
    router.send({
      type: 'RESULT',
      requestId: call.requestId,
      details: { progress: true },
      args: [2],
      kwargs: { of: 3 },
    });
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: [3] });
    await done;
    expect(seen).toEqual([
      ['progress()', 1],
      ['then', 1],
      ['progress()', new autobahn.Result([2], { of: 3 })],
      ['then', new autobahn.Result([2], { of: 3 })],
      ['final', 3],
    ]);
  });

  it('rejects with autobahn.Error when the progressive call fails', async () => {
    const { session, router } = await compat();
    const pending = session.call('com.example.count', [], null, { receive_progress: true });
    const call = await router.next('CALL');
    router.send({ type: 'RESULT', requestId: call.requestId, details: { progress: true }, args: [1] });
    router.send({ type: 'ERROR', requestType: 48, requestId: call.requestId, details: {}, error: 'com.example.broke' });
    await expect(pending).rejects.toMatchObject({ error: 'com.example.broke' });
  });

  it('passes timeout and the other CALL.Options on the wire as written', async () => {
    const { session, router } = await compat();
    const pending = session.call('com.example.slow', [], null, { timeout: 100 });
    const call = await router.next('CALL');
    expect(call.options).toEqual({ timeout: 100 });
    router.send({
      type: 'ERROR',
      requestType: 48,
      requestId: call.requestId,
      details: {},
      error: 'wamp.error.timeout',
    });
    await expect(pending).rejects.toMatchObject({ error: 'wamp.error.timeout' });
  });
});

describe('compat on_unsubscribe and on_unregister (revocation)', () => {
  it('resolves on_unsubscribe with the reason when the broker revokes, and on_unregister with undefined on unregister', async () => {
    const { session, router } = await compat();
    const subscribing = session.subscribe('com.example.t', () => {});
    const subscribe = await router.next('SUBSCRIBE');
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 9 });
    const subscription = await subscribing;
    router.send({ type: 'UNSUBSCRIBED', requestId: 0, details: { subscription: 9, reason: 'com.example.kicked' } });
    expect(await subscription.on_unsubscribe).toBe('com.example.kicked');
    expect(subscription.active).toBe(false);

    const registering = session.register('com.example.p', () => 1, { invoke: 'roundrobin', concurrency: 2 });
    const register = await router.next('REGISTER');
    expect(register.options).toEqual({ invoke: 'roundrobin', concurrency: 2 });
    router.send({ type: 'REGISTERED', requestId: register.requestId, registration: 77 });
    const registration = await registering;
    const unregistering = registration.unregister();
    const unregister = await router.next('UNREGISTER');
    router.send({ type: 'UNREGISTERED', requestId: unregister.requestId });
    await unregistering;
    expect(await registration.on_unregister).toBeUndefined();
  });

  it('gives the endpoint the concrete procedure of a pattern registration and the event the concrete topic', async () => {
    const { session, router } = await compat();
    const procedures: string[] = [];
    const registering = session.register('com.example.', (_a, _k, details) => void procedures.push(details.procedure), {
      match: 'prefix',
    });
    const register = await router.next('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registration: 77 });
    await registering;
    router.send({ type: 'INVOCATION', requestId: 1, registration: 77, details: { procedure: 'com.example.deep.op' } });
    await router.next('YIELD');
    const topics: string[] = [];
    const subscribing = session.subscribe('com.example', (_a, _k, details) => void topics.push(details.topic), {
      match: 'prefix',
    });
    const subscribe = await router.next('SUBSCRIBE');
    router.send({ type: 'SUBSCRIBED', requestId: subscribe.requestId, subscription: 9 });
    await subscribing;
    router.send({ type: 'EVENT', subscription: 9, publication: 1, details: { topic: 'com.example.x.y' } });
    await flush();
    expect(procedures).toEqual(['com.example.deep.op']);
    expect(topics).toEqual(['com.example.x.y']);
  });
});
