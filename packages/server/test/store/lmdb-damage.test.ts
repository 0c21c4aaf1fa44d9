/**
 * Damaged store files, deterministic: a store written with history churn (so that LMDB has a
 * free list) is copied, damaged in one of several ways with a fixed seed, and opened. Each
 * open either refuses with a start error naming the file, or opens cleanly and then takes
 * writes and a second open. A crash of LMDB in this process (SIGSEGV, an abort) would kill the
 * test worker, and a hang would time the test out: neither may happen.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventHistoryEntry, Logger, StoredEvent } from '@interchange/router';
import { describe, expect, it } from 'vitest';
import { LmdbRealmStore, STORE_DATA_FILE } from '../../src/store/lmdb-realm-store.js';
import { RealmStoreError } from '../../src/store/realm-store-error.js';
import { tempDir } from '../helpers.js';

const LOG: EventHistoryEntry = { uri: 'com.example.log', match: 'exact', limit: 300 };
const quiet = (): void => {};
const logger: Logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
const SEEDS = 10;
const PAGE = 4096;

/** mulberry32: a small seeded generator, so every run damages the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Damage = (bytes: Buffer, next: () => number) => Buffer;

const DAMAGES: Record<string, Damage> = {
  /** Garbage over every page after the first quarter (the case that used to crash at the first write). */
  'garbage over most pages': (bytes, next) => {
    const from = Math.floor(bytes.length / 4 / PAGE) * PAGE;
    for (let i = from; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    return bytes;
  },
  /** A partial copy: the file cut somewhere between a tenth and nine tenths. */
  truncated: (bytes, next) => bytes.subarray(0, Math.floor(bytes.length * (0.1 + 0.8 * next()))),
  /** The first meta page zeroed. */
  'zeroed header': (bytes) => bytes.fill(0, 0, PAGE),
  /** 64 bytes at random offsets past the meta pages, set to random values. */
  'random bytes at random offsets': (bytes, next) => {
    for (let i = 0; i < 64; i++) {
      bytes[2 * PAGE + Math.floor(next() * (bytes.length - 2 * PAGE))] = Math.floor(next() * 256);
    }
    return bytes;
  },
};

function event(publication: number, text: string): StoredEvent {
  return {
    time: 1_700_000_000_000 + publication,
    publication,
    topic: LOG.uri,
    details: { publisher: 7 },
    payload: { args: [publication, text] },
    filter: undefined,
    options: undefined,
  };
}

function open(directory: string): Promise<LmdbRealmStore> {
  return LmdbRealmStore.open({
    directory,
    maxsize: 16 * 2 ** 20,
    sync: false,
    realm: 'realm1',
    histories: [LOG],
    logger,
  });
}

/** A store whose history has rolled over several times, and retained topics rewritten. */
async function writeStore(directory: string): Promise<void> {
  const store = await open(directory);
  const log = store.history(LOG).log;
  for (let i = 1; i <= 2000; i++) {
    log.append(event(i, 'x'.repeat(200 + (i % 700))));
    store.retained.retain({
      topic: `com.example.state.${i % 40}`,
      publisherId: 7,
      excludeMe: true,
      filter: undefined,
      details: {},
      payload: { args: [i] },
    });
    if (i % 50 === 0) await store.durable();
  }
  await store.close();
}

type Outcome = 'refused' | 'opened';

/** Opens a damaged copy; if it opens, it must take writes and open again with them. */
async function openDamaged(directory: string): Promise<Outcome> {
  let store: LmdbRealmStore;
  try {
    store = await open(directory);
  } catch (error) {
    expect(error).toBeInstanceOf(RealmStoreError);
    const file = join(directory, STORE_DATA_FILE);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^realm store file ${file} (is damaged|is not an Interchange realm store|is an LMDB file of another program)`,
      ),
    );
    expect((error as Error).message).toMatch(/move it away|point the realm store "path" elsewhere/);
    return 'refused';
  }
  const log = store.history(LOG).log;
  for (let i = 1; i <= 600; i++) {
    log.append(event(100_000 + i, 'y'.repeat(300)));
    if (i % 20 === 0) await store.durable();
  }
  await store.durable();
  await store.close();
  const again = await open(directory);
  const events = again.history(LOG).log.visibleTo({ id: 1, authid: 'a', authrole: 'r' });
  expect(events.at(-1)?.publication).toBe(100_600);
  await again.close();
  return 'opened';
}

describe('a damaged realm store file', () => {
  it('gets a start error naming the file, or a clean start, for every kind of damage and seed; never a crash or hang', async () => {
    const root = await tempDir();
    const original = join(root, 'original');
    await writeStore(original);
    const bytes = await readFile(join(original, STORE_DATA_FILE));
    const outcomes = new Map<string, Outcome[]>();
    const cases = Object.entries(DAMAGES).flatMap(([kind, damage]) =>
      Array.from({ length: SEEDS }, (_, s) => ({ kind, damage, seed: s + 1 })),
    );
    // Two at a time: each open runs its check in a child process.
    const run = async (): Promise<void> => {
      for (let item = cases.shift(); item !== undefined; item = cases.shift()) {
        const directory = join(root, `${item.kind.replaceAll(' ', '-')}-${item.seed}`);
        await mkdir(directory);
        // LMDB's lock file as the node that wrote the store left it.
        await cp(join(original, 'data.mdb-lock'), join(directory, 'data.mdb-lock'));
        await writeFile(join(directory, STORE_DATA_FILE), item.damage(Buffer.from(bytes), random(item.seed)));
        const outcome = await openDamaged(directory);
        outcomes.set(item.kind, [...(outcomes.get(item.kind) ?? []), outcome]);
      }
    };
    await Promise.all([run(), run()]);
    for (const kind of Object.keys(DAMAGES)) expect(outcomes.get(kind)).toHaveLength(SEEDS);
    // These damage the pages LMDB needs: each seed is refused. Garbage over most pages, and
    // random bytes, may also land only on free pages: such a file opens, and the node runs on
    // its rebuilt copy (before the rebuild, those seeds crashed LMDB at the first write).
    for (const kind of ['truncated', 'zeroed header']) {
      expect(outcomes.get(kind)).toEqual(Array(SEEDS).fill('refused'));
    }
  }, 240_000);
});
