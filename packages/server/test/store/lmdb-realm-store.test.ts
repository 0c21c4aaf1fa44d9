/**
 * The LMDB realm store in-process: what is written comes back after reopening (filters,
 * histories and their limits, subscription IDs), a full store evicts its oldest records and
 * says so, and the data file stays within `maxsize`.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dict, Id } from '@interchange/protocol';
import {
  compileReceiverFilter,
  type EventHistoryEntry,
  type Logger,
  type ReceiverFilter,
  type StoredEvent,
} from '@interchange/router';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { maxNoncesFor } from '../../src/store/lmdb-nonce-store.js';
import { LmdbRealmStore, STORE_DATA_FILE } from '../../src/store/lmdb-realm-store.js';
import { tempDir } from '../helpers.js';

const LOG: EventHistoryEntry = { uri: 'com.example.log', match: 'exact', limit: 1000 };
const ALERTS: EventHistoryEntry = { uri: 'com.example.alert.', match: 'prefix', limit: 3 };

interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function openStore(
  directory: string,
  options: { maxsize?: number; histories?: EventHistoryEntry[]; logger?: Logger; realm?: string; sync?: boolean } = {},
): Promise<LmdbRealmStore> {
  return LmdbRealmStore.open({
    directory,
    maxsize: options.maxsize ?? 16 * 2 ** 20,
    sync: options.sync ?? true,
    realm: options.realm ?? 'realm1',
    histories: options.histories ?? [LOG, ALERTS],
    logger: options.logger ?? recordingLogger([]),
  });
}

function filterOf(options: Dict): ReceiverFilter | undefined {
  const compiled = compileReceiverFilter(options);
  return compiled.ok ? compiled.filter : undefined;
}

function event(publication: Id, args: unknown[], topic = LOG.uri, options?: Dict): StoredEvent {
  return {
    time: 1_700_000_000_000 + publication,
    publication,
    topic,
    details: { publisher: 7 },
    payload: { args },
    filter: options === undefined ? undefined : filterOf(options),
    options,
  };
}

const alice = { id: 1, authid: 'alice', authrole: 'user' };
const bob = { id: 2, authid: 'bob', authrole: 'guest' };

describe('LmdbRealmStore', () => {
  it('reads back histories (within their limits), retained events with their filters, and subscription IDs', async () => {
    const directory = join(await tempDir(), 'store');
    const first = await openStore(directory);
    expect(first.history(LOG).subscriptionId).toBeUndefined();
    first.rememberSubscription(LOG, 1234);
    const log = first.history(LOG).log;
    for (let i = 1; i <= 5; i++) log.append(event(i, [i]));
    log.append(event(6, ['users only'], LOG.uri, { eligible_authrole: ['user'] }));
    const alerts = first.history(ALERTS).log;
    for (let i = 1; i <= 5; i++) alerts.append(event(100 + i, [i], `com.example.alert.${i}`));
    first.retained.retain({
      topic: 'com.example.state',
      publisherId: 7,
      excludeMe: true,
      filter: undefined,
      details: {},
      payload: { args: ['for all'], kwargs: { n: 1 } },
    });
    first.retained.retain({
      topic: 'com.example.state',
      publisherId: 7,
      excludeMe: true,
      filter: filterOf({ exclude_authid: ['bob'] }),
      options: { exclude_authid: ['bob'], acknowledge: true },
      details: {},
      payload: { args: ['not for bob'] },
    });
    first.retained.retain({
      topic: 'com.example.blob',
      publisherId: 7,
      excludeMe: false,
      filter: undefined,
      details: { enc_algo: 'cryptobox' },
      payload: { payload: new Uint8Array([1, 2, 3]) },
    });
    await first.durable();
    await first.close();

    const second = await openStore(directory);
    expect(second.history(LOG).subscriptionId).toBe(1234);
    const restored = second.history(LOG).log;
    expect(restored.visibleTo(bob).map((e) => e.payload.args?.[0])).toEqual([1, 2, 3, 4, 5]);
    expect(restored.visibleTo(alice).map((e) => e.payload.args?.[0])).toEqual([1, 2, 3, 4, 5, 'users only']);
    expect(restored.visibleTo(alice)[0]).toMatchObject({ time: 1_700_000_000_001, publication: 1, topic: LOG.uri });
    // The prefix history kept its last 3.
    expect(
      second
        .history(ALERTS)
        .log.visibleTo(bob)
        .map((e) => e.topic),
    ).toEqual(['com.example.alert.3', 'com.example.alert.4', 'com.example.alert.5']);
    expect(second.retained.eligibleFor(alice, 'com.example.state', 'exact')[0]?.payload.args).toEqual(['not for bob']);
    expect(second.retained.eligibleFor(bob, 'com.example.state', 'exact')[0]?.payload).toEqual({
      args: ['for all'],
      kwargs: { n: 1 },
    });
    const [blob] = second.retained.eligibleFor(bob, 'com.example.', 'prefix').filter((e) => e.topic.endsWith('blob'));
    expect(blob?.details).toEqual({ enc_algo: 'cryptobox' });
    expect(new Uint8Array(blob?.payload.payload as Uint8Array)).toEqual(new Uint8Array([1, 2, 3]));
    await second.close();

    // A smaller limit, and a history no longer configured, apply at the next start.
    const third = await openStore(directory, { histories: [{ ...LOG, limit: 2 }] });
    expect(
      third
        .history({ ...LOG, limit: 2 })
        .log.visibleTo(alice)
        .map((e) => e.payload.args?.[0]),
    ).toEqual([5, 'users only']);
    await third.close();
    const fourth = await openStore(directory, { histories: [{ ...LOG, limit: 2 }, ALERTS] });
    expect(fourth.history(ALERTS).log.size).toBe(0);
    await fourth.close();
  });

  it('evicts the oldest records once maxsize is reached, counts and logs it, and the file stays within maxsize', async () => {
    const directory = join(await tempDir(), 'store');
    const lines: LogLine[] = [];
    const maxsize = 2 ** 20;
    const store = await openStore(directory, {
      maxsize,
      histories: [{ ...LOG, limit: 100_000 }],
      logger: recordingLogger(lines),
    });
    // An old retained event, then far more history than fits.
    store.retained.retain({
      topic: 'com.example.old',
      publisherId: 7,
      excludeMe: true,
      filter: undefined,
      details: {},
      payload: { args: ['old'] },
    });
    const log = store.history({ ...LOG, limit: 100_000 }).log;
    const filler = 'x'.repeat(900);
    // Commits of ten events, as a node's event-loop turns would write them: small against maxsize.
    for (let i = 1; i <= 4000; i++) {
      log.append(event(i, [i, filler]));
      if (i % 10 === 0) await store.durable();
    }
    await store.durable();
    expect(store.evicted.retained).toBe(1);
    expect(store.evicted.history).toBeGreaterThan(3000);
    expect(store.retained.eligibleFor(bob, 'com.example.old', 'exact')).toEqual([]);
    const kept = log.visibleTo(bob).map((e) => e.payload.args?.[0] as number);
    expect(kept.at(-1)).toBe(4000);
    expect(kept.length + store.evicted.history).toBe(4000);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 4000 - kept.length + 1 + i));
    expect(lines.some((l) => l.level === 'warn' && /realm store full/.test(l.msg ?? ''))).toBe(true);
    await store.close();
    expect((await stat(join(directory, STORE_DATA_FILE))).size).toBeLessThanOrEqual(maxsize);

    // What is left comes back.
    const again = await openStore(directory, { maxsize, histories: [{ ...LOG, limit: 100_000 }] });
    expect(
      again
        .history({ ...LOG, limit: 100_000 })
        .log.visibleTo(bob)
        .map((e) => e.payload.args?.[0]),
    ).toEqual(kept);
    await again.close();
  });

  it('refuses an LMDB file of another program, and a second open of the same store in this process', async () => {
    const directory = join(await tempDir(), 'store');
    await mkdir(directory);
    const foreign = open({ path: join(directory, STORE_DATA_FILE) });
    await foreign.put('users/1', { name: 'alice' });
    await foreign.close();
    await expect(openStore(directory)).rejects.toThrow(
      `realm store file ${join(directory, STORE_DATA_FILE)} is an LMDB file of another program`,
    );

    const own = join(await tempDir(), 'store');
    const first = await openStore(own);
    await expect(openStore(own)).rejects.toThrow(`realm store ${own} is already used by another realm of this node`);
    await first.close();
    // Released on close.
    await (await openStore(own)).close();
  });

  it('refuses an event larger than the store can hold, without disturbing the rest', async () => {
    const directory = join(await tempDir(), 'store');
    const store = await openStore(directory, { maxsize: 128 * 1024 });
    const log = store.history(LOG).log;
    log.append(event(1, ['small']));
    await store.durable();
    log.append(event(2, ['x'.repeat(200 * 1024)]));
    await expect(store.durable()).rejects.toThrow(/exceeds the realm store's maxsize/);
    log.append(event(3, ['small again']));
    await store.durable();
    expect(log.visibleTo(bob).map((e) => e.payload.args?.[0])).toEqual(['small', 'small again']);
    await store.close();
    // A late publication while the node stops: refused, not thrown into the router.
    log.append(event(4, ['too late']));
    await expect(store.durable()).rejects.toThrow(/the realm store is closed/);
  });

  it('refuses a retained event whose topic is too long for an LMDB key, without throwing into the router', async () => {
    const store = await openStore(join(await tempDir(), 'store'));
    const topic = `com.example.${'x'.repeat(3000)}`;
    store.retained.retain({
      topic,
      publisherId: 7,
      excludeMe: true,
      filter: undefined,
      details: {},
      payload: { args: [1] },
    });
    await expect(store.durable()).rejects.toThrow(/realm store write refused/);
    expect(store.retained.eligibleFor(bob, topic, 'exact')).toEqual([]);
    store.retained.retain({
      topic: 'com.example.short',
      publisherId: 7,
      excludeMe: true,
      filter: undefined,
      details: {},
      payload: { args: [2] },
    });
    await store.durable();
    expect(store.retained.eligibleFor(bob, 'com.example.short', 'exact')).toHaveLength(1);
    await store.close();
  });

  it('keeps the nonces of signed requests across a reopen, bounded by a share of maxsize, dropping expired ones', async () => {
    const directory = join(await tempDir(), 'store');
    const maxsize = 128 * 1024;
    const most = maxNoncesFor(maxsize);
    expect(most).toBeGreaterThan(10);
    const now = Date.now();
    const first = await openStore(directory, { maxsize });
    for (let n = 0; n < most + 10; n++) first.nonces.remember('key1', String(n), now + 600_000);
    // One that expires before the next open.
    first.nonces.remember('key2', '1', now + 1);
    await first.nonces.durable();
    expect(first.nonces.seen('key1', '0', now)).toBe(false);
    expect(first.nonces.seen('key1', String(most + 9), now)).toBe(true);
    // Nonces are per signing key.
    expect(first.nonces.seen('key2', String(most + 9), now)).toBe(false);
    await first.close();

    const second = await openStore(directory, { maxsize });
    const later = now + 10;
    expect(second.nonces.seen('key1', String(most + 9), later)).toBe(true);
    expect(second.nonces.seen('key1', '11', later)).toBe(true);
    expect(second.nonces.seen('key1', '10', later)).toBe(false);
    expect(second.nonces.seen('key2', '1', later)).toBe(false);
    // A nonce far longer than an LMDB key may be is kept too (stored under its hash).
    second.nonces.remember('key1', '9'.repeat(5000), later + 600_000);
    await second.nonces.durable();
    await second.close();
    const third = await openStore(directory, { maxsize });
    expect(third.nonces.seen('key1', '9'.repeat(5000), later)).toBe(true);
    await third.close();
  });
});
