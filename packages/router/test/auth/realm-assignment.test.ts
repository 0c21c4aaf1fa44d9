/**
 * HELLO without a realm (`[1, null, {...}]`, Autobahn|Python's `join(None)`): authentication
 * assigns the realm, from a static principal's `realm` or a dynamic authenticator's answer, as
 * Crossbar allows. Nothing assigning one is ABORT `wamp.error.no_such_realm`.
 */
import { messageFromArray } from '@interchange/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { ALL_ROLES, expectCleanTraffic, TestClient } from '../harness.js';
import { authClient, authenticate, authRouter, flush, ProcedureServer } from './auth-harness.js';

afterEach(expectCleanTraffic);

const REALMS = [
  { name: 'realm1', roles: [{ name: 'user', permissions: [] }] },
  { name: 'tenant-a', roles: [{ name: 'user', permissions: [] }] },
];

/** HELLO with `null` realm, decoded as the wire has it. */
function helloWithoutRealm(client: TestClient, details: Record<string, unknown>): void {
  client.receive(messageFromArray([1, null, { roles: ALL_ROLES, ...details }]));
}

describe('HELLO without a realm', () => {
  it('decodes `null` as no realm, and encodes no realm as `null`', () => {
    expect(messageFromArray([1, null, { roles: ALL_ROLES }])).toEqual({ type: 'HELLO', details: { roles: ALL_ROLES } });
  });

  it('joins the realm of a static principal', () => {
    const { router } = authRouter({ realms: REALMS });
    const client = authClient(router, {
      ticket: { type: 'static', principals: { joe: { ticket: 't', role: 'user', realm: 'tenant-a' } } },
    });
    helloWithoutRealm(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't');
    expect(client.takeOne('WELCOME').details).toMatchObject({ realm: 'tenant-a', authid: 'joe' });
    expect(router.realm('tenant-a')?.sessionCount).toBe(1);
  });

  it('joins the realm of a static anonymous block, whatever realm the client asked for', () => {
    const { router } = authRouter({ realms: REALMS });
    const transportAuth: TransportAuthConfig = { anonymous: { type: 'static', role: 'user', realm: 'tenant-a' } };
    const withoutRealm = new TestClient(router, { transportAuth });
    helloWithoutRealm(withoutRealm, { authmethods: ['anonymous'] });
    expect(withoutRealm.takeOne('WELCOME').details).toMatchObject({ realm: 'tenant-a', authrole: 'user' });
    const otherRealm = new TestClient(router, { transportAuth });
    otherRealm.receive(messageFromArray([1, 'realm1', { roles: ALL_ROLES, authmethods: ['anonymous'] }]));
    expect(otherRealm.takeOne('WELCOME').details).toMatchObject({ realm: 'tenant-a', authrole: 'user' });
    expect(router.realm('tenant-a')?.sessionCount).toBe(2);
    expect(router.realm('realm1')?.sessionCount).toBe(0);
  });

  it('joins the realm a dynamic authenticator assigns (asked with realm null)', async () => {
    const { router } = authRouter({ realms: [...REALMS, { name: 'auth' }] });
    const server = new ProcedureServer(router, 'auth');
    server.serve('com.example.authenticate', () => ({ role: 'user', realm: 'tenant-a' }));
    const client = authClient(router, {
      ticket: { type: 'dynamic', authenticator: 'com.example.authenticate', 'authenticator-realm': 'auth' },
    });
    helloWithoutRealm(client, { authmethods: ['ticket'], authid: 'joe' });
    client.takeOne('CHALLENGE');
    authenticate(client, 't');
    await flush();
    expect(client.takeOne('WELCOME').details).toMatchObject({ realm: 'tenant-a', authprovider: 'dynamic' });
    expect(server.calls[0]?.args.slice(0, 2)).toEqual([null, 'joe']);
  });

  it.each<[string, TransportAuthConfig | undefined]>([
    ['no authentication', undefined],
    ['a principal without realm', { ticket: { type: 'static', principals: { joe: { ticket: 't', role: 'user' } } } }],
    ['a dynamic authenticator without authenticator-realm', { ticket: { type: 'dynamic', authenticator: 'x.auth' } }],
  ])('is ABORT no_such_realm with %s', async (_case, transportAuth) => {
    const { router } = authRouter({ realms: REALMS });
    const client = new TestClient(router, transportAuth === undefined ? {} : { transportAuth });
    helloWithoutRealm(client, { authmethods: ['ticket', 'anonymous'], authid: 'joe' });
    if (transportAuth !== undefined) {
      client.takeOne('CHALLENGE');
      authenticate(client, 't');
      await flush();
    }
    expect(client.takeOne('ABORT')).toEqual({
      type: 'ABORT',
      reason: 'wamp.error.no_such_realm',
      details: { message: 'No realm was requested, and authentication assigned none.' },
    });
  });
});
