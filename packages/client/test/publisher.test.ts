import { ApplicationError, InvalidArgumentError, messageToArray, SessionClosedError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { Publication } from '../src/index.js';
import { joinedSession } from './helpers/fake-router.js';

describe('Session.publish', () => {
  it('sends PUBLISH and resolves at once with undefined when not acknowledged', async () => {
    const { session, router } = await joinedSession();
    const result = await session.publish('com.example.on_vote', [{ subject: 'banana', votes: 1 }]);
    expect(result).toBeUndefined();
    expect(messageToArray(await router.next('PUBLISH'))).toEqual([
      16,
      1,
      {},
      'com.example.on_vote',
      [{ subject: 'banana', votes: 1 }],
    ]);
  });

  it('passes the publish options through to the wire', async () => {
    const { session, router } = await joinedSession();
    await session.publish('com.example.t', undefined, {
      kwargs: { k: 1 },
      exclude_me: false,
      exclude: [3],
      eligible_authrole: ['admin'],
      disclose_me: true,
      extra: { custom_opt: 'x' },
    });
    const publish = await router.next('PUBLISH');
    expect(publish.options).toEqual({
      exclude_me: false,
      exclude: [3],
      eligible_authrole: ['admin'],
      disclose_me: true,
      custom_opt: 'x',
    });
    expect(messageToArray(publish).slice(4)).toEqual([[], { k: 1 }]);
  });

  it('resolves with the Publication on PUBLISHED when acknowledged', async () => {
    const { session, router } = await joinedSession();
    const pending = session.publish('com.example.t', [1], { acknowledge: true });
    const publish = await router.next('PUBLISH');
    expect(publish.options).toEqual({ acknowledge: true });
    router.send({ type: 'PUBLISHED', requestId: publish.requestId, publication: 123456 });
    const publication = await pending;
    expect(publication).toBeInstanceOf(Publication);
    expect(publication?.id).toBe(123456);
  });

  it('rejects an acknowledged publish with ApplicationError on ERROR', async () => {
    const { session, router } = await joinedSession();
    const pending = session.publish('com.example.t', [], { acknowledge: true });
    const publish = await router.next('PUBLISH');
    router.send({
      type: 'ERROR',
      requestType: 16,
      requestId: publish.requestId,
      details: {},
      error: 'wamp.error.not_authorized',
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect((error as ApplicationError).uri).toBe('wamp.error.not_authorized');
  });

  it('throws InvalidArgumentError at once for a bad topic, args or kwargs', async () => {
    const { session } = await joinedSession();
    expect(() => session.publish('com.example.#', [])).toThrow(InvalidArgumentError);
    expect(() => session.publish('com.example.t', { a: 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => session.publish('com.example.t', [], { kwargs: 'x' as never })).toThrow(InvalidArgumentError);
  });

  it('rejects with SessionClosedError on a closed session', async () => {
    const { session, router } = await joinedSession();
    router.end.close();
    await session.closed;
    await expect(session.publish('com.example.t')).rejects.toBeInstanceOf(SessionClosedError);
  });
});
