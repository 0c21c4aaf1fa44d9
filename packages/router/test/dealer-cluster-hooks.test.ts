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

  attachRealm(realm: Parameters<ClusterBackend['attachRealm']>[0]) {
    const hooks: DealerClusterHooks = {
      calleeAdded: () => undefined,
      calleeRemoved: () => undefined,
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

function setup() {
  const cluster = new FakeCluster();
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
