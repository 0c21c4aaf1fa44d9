/**
 * The `file` cookie store: what a tracker writes is bounded by what it remembers, expired
 * cookies are not read back, and a file that is not a cookie store starts an empty one.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CookieFileStore } from '../../src/transports/cookie-file-store.js';
import { CookieTracker } from '../../src/transports/cookie-tracker.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const identity = (authid: string) => ({ realm: 'realm1', authid, authrole: 'user', authmethod: 'ticket' });
const request = () => ({ headers: {}, socket: {} }) as unknown as IncomingMessage;

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('CookieFileStore', () => {
  it('keeps at most maxEntries authenticated cookies, drops expired ones on load', async () => {
    dir = await mkdtemp(join(tmpdir(), 'interchange-cookie-store-'));
    const file = join(dir, 'cookies.dat');
    let now = 1_000_000;
    const tracker = new CookieTracker({
      store: new CookieFileStore(file, silent),
      maxEntries: 2,
      maxAgeSeconds: 10,
      now: () => now,
    });
    for (const authid of ['a', 'b', 'c']) tracker.handleFor(request()).set(identity(authid));
    tracker.handleFor(request()); // handed out, never authenticated: not written
    await tracker.close();
    const written = JSON.parse(await readFile(file, 'utf8')) as { cookies: [string, { authid: string }, number][] };
    expect(written.cookies.map(([, who]) => who.authid)).toEqual(['b', 'c']);

    expect(new CookieFileStore(file, silent).load(now)).toHaveLength(2);
    now += 10_001;
    expect(new CookieFileStore(file, silent).load(now)).toEqual([]);
  });

  it('starts empty from a file that is not a cookie store, and says so', async () => {
    dir = await mkdtemp(join(tmpdir(), 'interchange-cookie-store-'));
    const file = join(dir, 'cookies.dat');
    await writeFile(file, 'not json');
    const warnings: string[] = [];
    const store = new CookieFileStore(file, {
      ...silent,
      warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? ''),
    });
    expect(store.load(0)).toEqual([]);
    expect(warnings).toEqual(['cookie store file is not a cookie store; starting empty']);
  });
});

describe("a cookie file written by Crossbar's file-backed store", () => {
  it('is taken over: authenticated, live cookies keep their identity; deleted, expired and anonymous ones do not', async () => {
    dir = await mkdtemp(join(tmpdir(), 'interchange-cookie-store-'));
    const file = join(dir, 'cookies.dat');
    const now = Date.parse('2026-12-01T00:00:00Z');
    const day = 86_400;
    const lines = [
      // Created, then authenticated (Crossbar appends a "modified" record without `created`).
      {
        cbtid: 'alice-cookie',
        status: 'created',
        created: '2026-11-30T00:00:00.000Z',
        max_age: 7 * day,
        authid: null,
        authrole: null,
        authmethod: null,
        authrealm: null,
        authextra: null,
      },
      {
        cbtid: 'alice-cookie',
        status: 'modified',
        modified: '2026-11-30T00:01:00.000Z',
        max_age: 7 * day,
        authid: 'alice',
        authrole: 'user',
        authmethod: 'ticket',
        authrealm: 'realm1',
        authextra: { team: 'a' },
      },
      // Older releases wrote `id`, not `cbtid`.
      {
        id: 'bob-cookie',
        created: '2026-11-29T00:00:00.000Z',
        max_age: 7 * day,
        authid: 'bob',
        authrole: 'user',
        authmethod: 'wampcra',
        authrealm: 'realm1',
        authextra: null,
      },
      // Expired.
      {
        cbtid: 'old-cookie',
        created: '2026-10-01T00:00:00.000Z',
        max_age: day,
        authid: 'carol',
        authrole: 'user',
        authmethod: 'ticket',
        authrealm: 'realm1',
        authextra: null,
      },
      // Deleted after it authenticated.
      {
        cbtid: 'gone-cookie',
        created: '2026-11-30T00:00:00.000Z',
        max_age: 7 * day,
        authid: 'dave',
        authrole: 'user',
        authmethod: 'ticket',
        authrealm: 'realm1',
        authextra: null,
      },
      {
        cbtid: 'gone-cookie',
        deleted: '2026-11-30T01:00:00.000Z',
        max_age: 7 * day,
        authid: 'dave',
        authrole: 'user',
        authmethod: 'ticket',
        authrealm: 'realm1',
        authextra: null,
      },
      // Handed out, never authenticated.
      {
        cbtid: 'nobody-cookie',
        created: '2026-11-30T00:00:00.000Z',
        max_age: 7 * day,
        authid: null,
        authrole: null,
        authmethod: null,
        authrealm: null,
        authextra: null,
      },
    ];
    const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"cbtid": "half-writ`;
    await writeFile(file, text);
    const loaded = new CookieFileStore(file, silent).load(now);
    expect(loaded.map(([id, who]) => [id, who])).toEqual([
      [
        'alice-cookie',
        { realm: 'realm1', authid: 'alice', authrole: 'user', authmethod: 'ticket', authextra: { team: 'a' } },
      ],
      ['bob-cookie', { realm: 'realm1', authid: 'bob', authrole: 'user', authmethod: 'wampcra' }],
    ]);
    expect(loaded[0]?.[2]).toBe(Date.parse('2026-11-30T00:00:00.000Z') + 7 * day * 1000);
    // The original is kept for a way back to Crossbar.
    expect(await readFile(`${file}.crossbar`, 'utf8')).toBe(text);
  });
});
