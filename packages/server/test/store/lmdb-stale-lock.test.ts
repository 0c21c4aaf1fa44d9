/**
 * What a killed process leaves beside a store file: LMDB's lock file with its writer mutex
 * held by a process that no longer exists, in place and in a copy of the directory (a backup
 * restored elsewhere). The store opens and writes either way, without waiting on that mutex.
 * And a check that does not finish in time is a start error that leaves the file as it was.
 */
import { spawn } from 'node:child_process';
import { cp, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EventHistoryEntry, Logger, StoredEvent } from '@interchange/router';
import { describe, expect, it } from 'vitest';
import { LmdbRealmStore, STORE_DATA_FILE } from '../../src/store/lmdb-realm-store.js';
import { REBUILD_FILE, rebuildLmdbFile } from '../../src/store/lmdb-rebuild.js';
import { tempDir } from '../helpers.js';

const LOG: EventHistoryEntry = { uri: 'com.example.log', match: 'exact', limit: 100 };
const quiet = (): void => {};
const logger: Logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

function open(directory: string): Promise<LmdbRealmStore> {
  return LmdbRealmStore.open({
    directory,
    maxsize: 16 * 2 ** 20,
    sync: true,
    realm: 'realm1',
    histories: [LOG],
    logger,
  });
}

function event(publication: number): StoredEvent {
  return {
    time: 1_700_000_000_000 + publication,
    publication,
    topic: LOG.uri,
    details: {},
    payload: { args: [publication] },
    filter: undefined,
    options: undefined,
  };
}

/** A process that opens the store's file with lmdb and is killed with SIGKILL inside a write transaction. */
async function killInsideWriteTransaction(file: string): Promise<void> {
  const lmdb = new URL(`file://${createRequire(import.meta.url).resolve('lmdb')}`).href;
  const program = `
    const { open } = await import(${JSON.stringify(lmdb)});
    const env = open({ path: ${JSON.stringify(file)}, maxDbs: 16 });
    const db = env.openDB({ name: 'interchange.history', encoding: 'binary' });
    env.transactionSync(() => {
      db.putSync(1e9, Buffer.alloc(100, 1));
      process.kill(process.pid, 'SIGKILL');
    });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: 'ignore' });
  const signal = await new Promise((resolve) => child.once('exit', (_code, exitSignal) => resolve(exitSignal)));
  expect(signal).toBe('SIGKILL');
}

async function writeEvents(directory: string, from: number, count: number): Promise<void> {
  const store = await open(directory);
  const log = store.history(LOG).log;
  for (let i = from; i < from + count; i++) log.append(event(i));
  await store.durable();
  await store.close();
}

async function publications(directory: string): Promise<number[]> {
  const store = await open(directory);
  const ids = store
    .history(LOG)
    .log.visibleTo({ id: 1, authid: 'a', authrole: 'r' })
    .map((e) => e.publication);
  await store.close();
  return ids;
}

describe("LMDB's lock file left by a killed process", () => {
  it('is no obstacle, in place or in a copy of the store directory', async () => {
    const root = await tempDir();
    const directory = join(root, 'store');
    await writeEvents(directory, 1, 5);
    await killInsideWriteTransaction(join(directory, STORE_DATA_FILE));
    // The lock file records a writer that no longer exists.
    expect((await stat(join(directory, `${STORE_DATA_FILE}-lock`))).size).toBeGreaterThan(0);
    const copy = join(root, 'copy');
    await cp(directory, copy, { recursive: true });

    for (const where of [copy, directory]) {
      await writeEvents(where, 6, 5);
      // The killed transaction was never committed; everything else is there.
      expect(await publications(where)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
  }, 60_000);
});

describe('the check of a store file', () => {
  it('that does not finish in time is a start error naming the file, and leaves the file as it was', async () => {
    const directory = join(await tempDir(), 'store');
    await writeEvents(directory, 1, 3);
    const file = join(directory, STORE_DATA_FILE);
    const before = await readFile(file);
    await expect(rebuildLmdbFile(file, { mapSize: 16 * 2 ** 20, timeoutMs: 1 })).rejects.toThrow(
      `realm store file ${file} is damaged: reading it did not finish within 0 s (its pages may form a cycle); move it away (keep it for inspection) to start with an empty store`,
    );
    expect((await readFile(file)).equals(before)).toBe(true);
    await expect(stat(join(directory, REBUILD_FILE))).rejects.toThrow(/ENOENT/);
    expect(await publications(directory)).toEqual([1, 2, 3]);
  }, 60_000);
});
