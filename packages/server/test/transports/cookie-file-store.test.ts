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
