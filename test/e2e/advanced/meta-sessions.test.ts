/**
 * The session meta API (advanced "Session Meta API") through the real router, with sessions of
 * chosen identities (support/advanced-router.ts), read through `session.meta`.
 */
import { connect, type Session } from '@interchange/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AdvancedRouter, startAdvancedRouter } from '../support/advanced-router.js';
import { eventually, leaveAll } from '../support/advanced-sessions.js';

let server: AdvancedRouter;
let admin: Session;
let opened: Session[] = [];

async function join(authid: string, authrole: string): Promise<Session> {
  const session = await connect({ url: server.url({ authid, authrole }), realm: 'realm1' });
  opened.push(session);
  return session;
}

beforeEach(async () => {
  server = await startAdvancedRouter();
  admin = await join('root', 'admin');
});
afterEach(async () => {
  await leaveAll(opened);
  opened = [];
  await server.stop();
});

describe('session meta procedures', () => {
  it('counts, lists and describes sessions, filtered by authrole', async () => {
    const alice = await join('alice', 'user');
    const bob = await join('bob', 'user');
    expect(await admin.meta.sessions.count()).toBe(3);
    expect(await admin.meta.sessions.count(['user'])).toBe(2);
    expect(new Set(await admin.meta.sessions.list(['user']))).toEqual(new Set([alice.id, bob.id]));
    const info = await admin.meta.sessions.get(alice.id as number);
    expect(info).toMatchObject({ session: alice.id, authid: 'alice', authrole: 'user', authmethod: 'anonymous' });
    expect(info.transport).toMatchObject({ type: 'websocket', serializer: 'json' });
    // Interchange's addition: when it joined, ISO 8601 UTC, readable by the typed client.
    expect(Date.now() - Date.parse(info.joined as string)).toBeGreaterThanOrEqual(0);
    expect(info.joined).toMatch(/Z$/);
  });

  it('answers wamp.error.no_such_session for an unknown session', async () => {
    await expect(admin.meta.sessions.get(123456789)).rejects.toMatchObject({ uri: 'wamp.error.no_such_session' });
    await expect(admin.meta.sessions.kill(123456789)).rejects.toMatchObject({ uri: 'wamp.error.no_such_session' });
    // Not even one's own session can be killed this way.
    await expect(admin.meta.sessions.kill(admin.id as number)).rejects.toMatchObject({
      uri: 'wamp.error.no_such_session',
    });
    expect(admin.isOpen).toBe(true);
  });

  it('kills one session with a reason and message the victim sees', async () => {
    const victim = await join('mallory', 'user');
    await admin.meta.sessions.kill(victim.id as number, { reason: 'com.e2e.banned', message: 'bye' });
    expect(await victim.closed).toMatchObject({
      kind: 'goodbye',
      initiator: 'router',
      reason: 'com.e2e.banned',
      message: 'bye',
    });
  });

  it('kills by authid and by authrole, never the caller', async () => {
    const a1 = await join('dup', 'user');
    const a2 = await join('dup', 'user');
    const guest = await join('g', 'guest');
    const ids = [a1.id, a2.id];
    const killed = await admin.meta.sessions.killByAuthid('dup');
    expect(new Set(killed)).toEqual(new Set(ids));
    expect((await a1.closed).reason).toBe('wamp.close.killed');
    expect(await admin.meta.sessions.killByAuthrole('guest')).toBe(1);
    await guest.closed;
    expect(await admin.meta.sessions.killByAuthrole('admin')).toBe(0);
    expect(admin.isOpen).toBe(true);
  });

  it('kills every other session with kill_all', async () => {
    const others = [await join('x', 'user'), await join('y', 'user')];
    expect(await admin.meta.sessions.killAll()).toBe(2);
    for (const other of others) await other.closed;
    expect(await admin.meta.sessions.count()).toBe(1);
  });
});

describe('session meta events', () => {
  it('tells subscribers of on_join and on_leave (on_leave with the session ID alone, as Crossbar)', async () => {
    const seen: unknown[] = [];
    await admin.meta.on('wamp.session.on_join', (info) => void seen.push(['join', info.session, info.authid]));
    await admin.meta.on('wamp.session.on_leave', (info) => void seen.push(['leave', info.session, info.authid]));
    const visitor = await join('visitor', 'guest');
    const id = visitor.id;
    await visitor.leave();
    await eventually(() => seen.length === 2);
    expect(seen).toEqual([
      ['join', id, 'visitor'],
      ['leave', id, undefined],
    ]);
  });

  it("tells authid and authrole in on_leave in a realm of the spec's dialect", async () => {
    await leaveAll(opened);
    opened = [];
    await server.stop();
    server = await startAdvancedRouter({ realms: [{ name: 'realm1', dialect: { sessionOnLeave: 'spec' } }] });
    admin = await join('root', 'admin');
    const seen: unknown[] = [];
    await admin.meta.on('wamp.session.on_join', (info) => void seen.push(['join', info.authid, info.authrole]));
    await admin.meta.on('wamp.session.on_leave', (info) => void seen.push(['leave', info.authid, info.authrole]));
    const visitor = await join('visitor', 'guest');
    await visitor.leave();
    await eventually(() => seen.length === 2);
    expect(seen).toEqual([
      ['join', 'visitor', 'guest'],
      ['leave', 'visitor', 'guest'],
    ]);
  });
});
