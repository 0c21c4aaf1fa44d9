/**
 * Crossbar's realm store `call-queue`, end to end with Autobahn|JS clients (npm `autobahn`) on a
 * node started from a Crossbar-format config: a callee registered with `concurrency: 1`, several
 * callers; calls beyond the callee's room wait in the queue and are answered in the order they
 * arrived, a full queue answers `crossbar.error.max_concurrency_reached`, and a queued call
 * canceled by its caller never reaches the callee.
 */
import type autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAutobahn, openAutobahn } from '../support/autobahn-js.js';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from '../support/config-node.js';

const QUEUE_LIMIT = 4;

/** The callee's invocations, each held until the test releases it. */
class HeldCallee {
  readonly seen: unknown[] = [];
  #outstanding = 0;
  maxOutstanding = 0;
  readonly #held: Array<{ arg: unknown; release: () => void }> = [];
  #waiter: (() => void) | undefined;

  handle = (args?: unknown[]): Promise<unknown> => {
    const arg = args?.[0];
    this.seen.push(arg);
    this.#outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.#outstanding);
    return new Promise((resolve) => {
      this.#held.push({
        arg,
        release: () => {
          this.#outstanding--;
          resolve(arg);
        },
      });
      this.#waiter?.();
    });
  };

  /** Waits for the next invocation to be held, and releases it; returns its argument. */
  async releaseNext(): Promise<unknown> {
    if (this.#held.length === 0) await new Promise<void>((resolve) => (this.#waiter = resolve));
    this.#waiter = undefined;
    const next = this.#held.shift() as { arg: unknown; release: () => void };
    next.release();
    return next.arg;
  }
}

describe('call queue with Autobahn|JS', () => {
  let node: ConfigNode;
  let url: string;
  let callee: { session: autobahn.Session; connection: autobahn.Connection };
  let callers: { session: autobahn.Session; connection: autobahn.Connection }[];
  const held = new HeldCallee();

  beforeAll(async () => {
    const realm = {
      ...openRealm(),
      store: {
        type: 'memory',
        'call-queue': [{ uri: 'com.example.compute', match: 'exact', limit: QUEUE_LIMIT }],
      },
    };
    node = await startConfigNode(
      routerConfig([realm], [{ type: 'web', endpoint: LOCAL_ENDPOINT, paths: { ws: { type: 'websocket' } } }]),
      { prefix: 'call-queue' },
    );
    url = `ws://127.0.0.1:${node.port}/ws`;
    callee = await openAutobahn(url, 'json');
    await callee.session.register('com.example.compute', held.handle, { concurrency: 1 } as autobahn.IRegisterOptions);
    // Answered at once: a caller's ping returning means the router has its earlier CALLs.
    await callee.session.register('com.example.ping', () => 'pong');
    callers = await Promise.all([openAutobahn(url, 'json'), openAutobahn(url, 'msgpack'), openAutobahn(url, 'cbor')]);
  });

  afterAll(async () => {
    for (const peer of [callee, ...(callers ?? [])]) if (peer !== undefined) await closeAutobahn(peer.connection);
    await node?.stop();
  });

  it('answers every call in the order it arrived, one at a time, while the queue has room', async () => {
    const answers: Promise<unknown>[] = [];
    // One running, QUEUE_LIMIT waiting: all fit.
    for (let n = 0; n <= QUEUE_LIMIT; n++) {
      const caller = callers[n % callers.length] as (typeof callers)[number];
      answers.push(caller.session.call('com.example.compute', [n]) as unknown as Promise<unknown>);
      await caller.session.call('com.example.ping');
    }
    const released: unknown[] = [];
    for (let n = 0; n <= QUEUE_LIMIT; n++) released.push(await held.releaseNext());
    expect(await Promise.all(answers)).toEqual([0, 1, 2, 3, 4]);
    expect(released).toEqual([0, 1, 2, 3, 4]);
    expect(held.maxOutstanding).toBe(1);
  });

  it('answers crossbar.error.max_concurrency_reached once the queue is full', async () => {
    held.seen.length = 0;
    const [a] = callers as [(typeof callers)[number]];
    const accepted: Promise<unknown>[] = [];
    for (let n = 0; n <= QUEUE_LIMIT; n++)
      accepted.push(a.session.call('com.example.compute', [n]) as unknown as Promise<unknown>);
    const refused = await (a.session.call('com.example.compute', ['one too many']) as unknown as Promise<unknown>).then(
      () => undefined,
      (error: autobahn.Error) => error,
    );
    expect(refused).toMatchObject({ error: 'crossbar.error.max_concurrency_reached' });
    for (let n = 0; n <= QUEUE_LIMIT; n++) await held.releaseNext();
    expect(await Promise.all(accepted)).toEqual([0, 1, 2, 3, 4]);
    expect(held.seen).not.toContain('one too many');
  });

  it('takes a canceled call out of the queue: the caller gets wamp.error.canceled, the callee never sees it', async () => {
    held.seen.length = 0;
    const [a, b] = callers as [(typeof callers)[number], (typeof callers)[number]];
    const running = a.session.call('com.example.compute', ['running']) as unknown as Promise<unknown>;
    const doomed = b.session.call('com.example.compute', ['canceled']) as unknown as Promise<unknown> & {
      cancel(options?: { mode?: string }): void;
    };
    const after = a.session.call('com.example.compute', ['after']) as unknown as Promise<unknown>;
    await b.session.call('com.example.ping');
    await a.session.call('com.example.ping');
    // `kill`: Autobahn|JS waits for the router's answer instead of rejecting on its own.
    doomed.cancel({ mode: 'kill' });
    const canceled = await doomed.then(
      () => undefined,
      (error: autobahn.Error) => error,
    );
    expect(canceled).toMatchObject({ error: 'wamp.error.canceled' });
    expect(await held.releaseNext()).toBe('running');
    expect(await held.releaseNext()).toBe('after');
    expect(await Promise.all([running, after])).toEqual(['running', 'after']);
    expect(held.seen).toEqual(['running', 'after']);
  });
});
