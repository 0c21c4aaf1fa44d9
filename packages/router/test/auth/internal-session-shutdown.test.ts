/**
 * The router's internal session (which calls dynamic authenticators and authorizers) ends
 * cleanly at shutdown: it answers the router's GOODBYE once, so the router's shutdown settles
 * without waiting for its timeout and nothing recurses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TransportAuthConfig } from '../../src/auth/transport-auth.js';
import { expectCleanTraffic } from '../harness.js';
import { authClient, authenticate, authRouter, flush, hello, ProcedureServer } from './auth-harness.js';

afterEach(expectCleanTraffic);

const DYNAMIC: TransportAuthConfig = { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } };

describe('internal session at shutdown', () => {
  it('answers the GOODBYE once; shutdown settles without the timeout and logs no error', async () => {
    const { router, logger } = authRouter({ realms: [{ name: 'realm1' }] });
    new ProcedureServer(router).serve('com.example.authenticate', () => 'user');
    const client = authClient(router, DYNAMIC);
    hello(client, { authmethods: ['ticket'], authid: 'joe' });
    authenticate(client, 't');
    await flush();
    expect(client.take().map((m) => m.type)).toEqual(['CHALLENGE', 'WELCOME']);

    let settled = false;
    const shutdown = router.shutdown({ timeoutMs: 60_000 }).then(() => {
      settled = true;
    });
    // The client answers its GOODBYE; the internal session must answer its own by itself.
    expect(client.takeOne('GOODBYE').reason).toBe('wamp.close.system_shutdown');
    client.receive({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
    await flush();
    expect(settled).toBe(true);
    await shutdown;
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(logger.text).not.toContain('call stack');
  });
});
