/**
 * The dealer's cluster hooks (cluster-backend.ts) with a fake backend: a REGISTER waits for the
 * cluster's admission (REGISTERED only after, under the admitted ID; a refusal is the callee's
 * ERROR; every check runs again), a session that leaves meanwhile gets nothing and the
 * admission is abandoned, and a call that finds no registration is routed again once the
 * backend says it caught up.
 */
import type { Id } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import type {
  ClusterBackend,
  DealerClusterHooks,
  RegistrationAdmission,
  RegistrationRequest,
} from '../src/cluster-backend.js';
import type { Callee } from '../src/dealer/registration-store.js';
import { Router } from '../src/router.js';
import { client } from './dealer-fixtures.js';

/** A promise with its resolve function. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

class FakeCluster implements ClusterBackend {
  readonly admissions: { request: RegistrationRequest; answer: (a: RegistrationAdmission) => void }[] = [];
  readonly abandoned: RegistrationRequest[] = [];
  readonly misses: { procedure: string; caughtUp: () => void }[] = [];
  /** Releases of removed callees, answered by the test (UNREGISTERED waits for them). */
  readonly releases: (() => void)[] = [];
  /** What `turn` answers; `undefined`: no `turn` hook at all. */
  turn: ((callees: readonly Callee[]) => Callee | Promise<Callee | undefined> | undefined) | undefined;
  releasing = false;

  attachRealm(realm: Parameters<ClusterBackend['attachRealm']>[0]) {
    const hooks: DealerClusterHooks = {
      calleeAdded: () => undefined,
      calleeRemoved: () => {
        if (!this.releasing) return undefined;
        const { promise, resolve } = deferred<void>();
        this.releases.push(() => resolve());
        return promise;
      },
      ...(this.turn === undefined
        ? {}
        : { turn: (_registration: unknown, callees: readonly Callee[]) => this.turn?.(callees) }),
      answered: () => false,
      admit: (request) => {
        const { promise, resolve } = deferred<RegistrationAdmission>();
        this.admissions.push({ request, answer: resolve });
        return promise;
      },
      admitAbandoned: (request) => void this.abandoned.push(request),
      callMissed: (procedure) => {
        const { promise, resolve } = deferred<void>();
        this.misses.push({ procedure, caughtUp: () => resolve() });
        return promise;
      },
    };
    realm.dealer.setClusterHooks(hooks);
    return { sessionLeft: () => undefined };
  }
}

function setup(configure: (cluster: FakeCluster) => void = () => undefined) {
  const cluster = new FakeCluster();
  configure(cluster);
  const router = new Router({ realms: [{ name: 'realm1' }], cluster });
  return { cluster, router };
}

describe('a REGISTER admitted by the cluster', () => {
  it('is answered REGISTERED only once admitted, under the ID the cluster was told', async () => {
    const { cluster, router } = setup();
    const callee = client(router);
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.p' });
    expect(callee.take()).toEqual([]);
    const [admission] = cluster.admissions;
    expect(admission?.request).toMatchObject({ procedure: 'com.x.p', match: 'exact', invoke: 'single' });
    admission?.answer({});
    await flush();
    const [reply] = callee.take();
    expect(reply).toMatchObject({ type: 'REGISTERED', requestId: 1, registration: admission?.request.registration });
    expect(cluster.abandoned).toEqual([]);
  });

  it("answers the cluster's refusal as the callee's ERROR, and registers nothing", async () => {
    const { cluster, router } = setup();
    const callee = client(router);
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.p' });
    cluster.admissions[0]?.answer({
      refused: { error: 'wamp.error.procedure_already_exists', text: 'registered on node b' },
    });
    await flush();
    expect(callee.take()).toEqual([
      expect.objectContaining({ type: 'ERROR', requestId: 1, error: 'wamp.error.procedure_already_exists' }),
    ]);
    expect(router.realm('realm1')?.dealer.lookup('com.x.p')).toBeUndefined();
  });

  it('checks again once admitted: a local session that registered meanwhile wins, the admission is abandoned', async () => {
    const { cluster, router } = setup();
    const [first, second] = [client(router), client(router)];
    first.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.p' });
    second.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.p' });
    cluster.admissions[1]?.answer({});
    await flush();
    expect(second.take()).toEqual([expect.objectContaining({ type: 'REGISTERED' })]);
    cluster.admissions[0]?.answer({});
    await flush();
    expect(first.take()).toEqual([
      expect.objectContaining({ type: 'ERROR', error: 'wamp.error.procedure_already_exists' }),
    ]);
    expect(cluster.abandoned.map((r) => r.registration)).toEqual([cluster.admissions[0]?.request.registration]);
  });

  it('abandons the admission of a session that left meanwhile', async () => {
    const { cluster, router } = setup();
    const callee = client(router);
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.p' });
    callee.connection.transportClosed();
    cluster.admissions[0]?.answer({});
    await flush();
    expect(cluster.abandoned).toHaveLength(1);
    expect(router.realm('realm1')?.dealer.lookup('com.x.p')).toBeUndefined();
  });
});

describe('a call that finds no registration', () => {
  it('is routed again once the cluster caught up, and reaches a registration that arrived meanwhile', async () => {
    const { cluster, router } = setup();
    const caller = client(router);
    const callee = client(router);
    caller.call('com.x.late');
    expect(caller.take()).toEqual([]);
    expect(cluster.misses.map((m) => m.procedure)).toEqual(['com.x.late']);
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.late' });
    cluster.admissions[0]?.answer({});
    await flush();
    const registration = (callee.take()[0] as { registration: Id }).registration;
    cluster.misses[0]?.caughtUp();
    await flush();
    expect(callee.take()).toEqual([expect.objectContaining({ type: 'INVOCATION', registration })]);
  });

  it('answers no_such_procedure after catching up when there is still none, asking only once', async () => {
    const { cluster, router } = setup();
    const caller = client(router);
    caller.call('com.x.none');
    cluster.misses[0]?.caughtUp();
    await flush();
    expect(caller.take()).toEqual([expect.objectContaining({ type: 'ERROR', error: 'wamp.error.no_such_procedure' })]);
    expect(cluster.misses).toHaveLength(1);
  });
});

describe('an UNREGISTER on a cluster', () => {
  it('is answered UNREGISTERED only once the cluster released the callee', async () => {
    const { cluster, router } = setup((c) => {
      c.releasing = true;
    });
    const callee = client(router);
    callee.receive({ type: 'REGISTER', requestId: 1, options: {}, procedure: 'com.x.p' });
    cluster.admissions[0]?.answer({});
    await flush();
    const registration = (callee.take()[0] as { registration: Id }).registration;
    callee.receive({ type: 'UNREGISTER', requestId: 2, registration });
    await flush();
    expect(callee.take()).toEqual([]);
    // Gone here at once: no call reaches it while the cluster releases it.
    expect(router.realm('realm1')?.dealer.lookup('com.x.p')).toBeUndefined();
    cluster.releases[0]?.();
    await flush();
    expect(callee.take()).toEqual([{ type: 'UNREGISTERED', requestId: 2 }]);
  });
});

describe('whose turn a call to a shared registration is, on a cluster', () => {
  /** Two callees of a roundrobin registration, admitted; resolves with them. */
  async function twoCallees(router: Router, cluster: FakeCluster) {
    const callees = [client(router), client(router)];
    for (const [n, callee] of callees.entries()) {
      callee.receive({ type: 'REGISTER', requestId: 1, options: { invoke: 'roundrobin' }, procedure: 'com.x.rr' });
      cluster.admissions[n]?.answer({});
      await flush();
      callee.take();
    }
    return callees;
  }

  it('routes the call to the callee whose turn the cluster gives, again and again', async () => {
    let given: Callee | undefined;
    const { cluster, router } = setup((c) => {
      c.turn = (callees) => {
        given = callees[1];
        return given;
      };
    });
    const [first, second] = await twoCallees(router, cluster);
    const caller = client(router);
    caller.call('com.x.rr');
    caller.call('com.x.rr');
    // The registration's own rotation would have alternated.
    expect(first?.take()).toEqual([]);
    expect(second?.take().map((m) => m.type)).toEqual(['INVOCATION', 'INVOCATION']);
    expect(given).toBeDefined();
  });

  it('waits for a turn asked of another node, then routes the call to it', async () => {
    const turns: { resolve: (callee: Callee | undefined) => void; callees: readonly Callee[] }[] = [];
    const { cluster, router } = setup((c) => {
      c.turn = (callees) => {
        const { promise, resolve } = deferred<Callee | undefined>();
        turns.push({ resolve, callees });
        return promise;
      };
    });
    const [first, second] = await twoCallees(router, cluster);
    const caller = client(router);
    caller.call('com.x.rr');
    expect(first?.take()).toEqual([]);
    expect(second?.take()).toEqual([]);
    turns[0]?.resolve(turns[0].callees[1]);
    await flush();
    expect(first?.take()).toEqual([]);
    expect(second?.take().map((m) => m.type)).toEqual(['INVOCATION']);
    // No answer: the registration picks, as on one router.
    caller.call('com.x.rr');
    turns[1]?.resolve(undefined);
    await flush();
    expect([...(first?.take() ?? []), ...(second?.take() ?? [])].map((m) => m.type)).toEqual(['INVOCATION']);
  });
});
