/**
 * The integrity check of a store file, done by rebuilding it in a throwaway process before the
 * node maps it. LMDB keeps no checksums and trusts its pages: a page damaged on disk (a bad
 * sector, a partial copy, a file edited by hand) can make LMDB fail an assertion and abort, read
 * a stray pointer and die of SIGSEGV, or walk a cycle of pages for ever. Reading every record
 * finds damage in the pages that hold records, but not in LMDB's free list, which only a write
 * reads: a file with garbage over its free-list pages reads well and then crashes the writer.
 *
 * So the child reads every record of every database of the file, as the node will open it, and
 * writes them into a new file of its own; the node then runs on that new file, whose every page
 * (free list included) LMDB itself has just written. Whatever goes wrong in the child (an
 * assertion, a signal, a hang past the time limit) is a start error naming the file; the old
 * file is replaced only once the new one is complete and flushed, so a node killed during the
 * rebuild starts again on the old file.
 */
import { spawn } from 'node:child_process';
import { open, rename, rm, stat, statfs } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DAMAGED_FILE_ADVICE, RealmStoreError } from './realm-store-error.js';

/** The new file, in the store directory (an `.mdb` name: lmdb then keeps it a single file). */
export const REBUILD_FILE = 'rebuild.mdb';
/** The name of our meta database: a file without it is another program's. */
const META_DB = 'interchange.meta';
/** What the child writes before a message meant for the user; everything else is LMDB's or Node's. */
const TAG = 'interchange-store-check:';
const EXIT_FOREIGN = 4;
/** The child exits with this when the walk meets more records than the file can hold. */
const EXIT_CYCLE = 3;

/**
 * The child's program: argv[1] the lmdb module, argv[2] the old file, argv[3] the new file,
 * argv[4] the new file's map size, argv[5] the most records the old file can hold. Damaged pages
 * can point back at each other, and LMDB would walk that cycle for ever: a walk that meets more
 * records than the file has room for stops there. Writes go in transactions of at most
 * BATCH_BYTES, so that a large store does not overflow one transaction's page list.
 */
const PROGRAM = `
const [lmdbUrl, oldFile, newFile, mapSize, mostText] = process.argv.slice(1);
const TAG = ${JSON.stringify(TAG)};
const BATCH_BYTES = 16 * 1024 * 1024;
const fail = (code, message) => {
  process.stderr.write(TAG + ' ' + message.replace(/\\s+/g, ' ') + '\\n');
  process.exit(code);
};
try {
  const { open } = await import(lmdbUrl);
  const from = open({ path: oldFile, maxDbs: 16 });
  const most = Number(mostText);
  let records = 0;
  const count = () => {
    if (++records > most) fail(${EXIT_CYCLE}, 'MDB_CORRUPTED: more records than the file has room for (its pages form a cycle)');
  };
  const names = [];
  for (const name of from.getKeys()) {
    count();
    if (typeof name !== 'string') fail(1, 'MDB_CORRUPTED: a database name that is not a string');
    names.push(name);
  }
  if (names.length > 0 && !names.includes(${JSON.stringify(META_DB)})) fail(${EXIT_FOREIGN}, JSON.stringify(names.slice(0, 3)));
  const to = open({ path: newFile, maxDbs: 16, mapSize: Number(mapSize) });
  for (const name of names) {
    const source = from.openDB({ name, encoding: 'binary', keyEncoding: 'binary', create: false });
    const target = to.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
    let batch = [];
    let bytes = 0;
    const flush = () => {
      const records = batch;
      to.transactionSync(() => {
        for (const [key, value] of records) target.putSync(key, value);
      });
      batch = [];
      bytes = 0;
    };
    for (const { key, value } of source.getRange()) {
      count();
      batch.push([Buffer.from(key), Buffer.from(value)]);
      bytes += key.length + value.length;
      if (bytes >= BATCH_BYTES) flush();
    }
    flush();
  }
  await to.flushed;
  await to.close();
  await from.close();
} catch (error) {
  fail(1, String(error && error.message ? error.message : error));
}
`;

/** LMDB's smallest record takes at least this many bytes of a page (node header and key). */
const MIN_RECORD_BYTES = 8;

/**
 * How long the rebuild may take: a base for starting the child, and enough to read and write
 * the whole file at a slow disk's pace; past it the walk is taken to be stuck in damaged pages.
 */
function rebuildTimeoutMs(fileBytes: number): number {
  return 30_000 + Math.ceil(fileBytes / (10 * 1024 * 1024)) * 2000;
}

/** Options of {@link rebuildLmdbFile}. */
export interface RebuildOptions {
  /** The map size the node opens the store with (the realm store's `maxsize`). */
  mapSize: number;
  /** Milliseconds the child may take; by default from the file's size. */
  timeoutMs?: number;
}

/**
 * Checks `file` by rebuilding it in a child process, and puts the rebuilt file in its place.
 * The caller holds the store directory's lock (store-lock.ts), so no other node uses the file.
 * @throws RealmStoreError naming the file when the child fails, is killed by a signal, or
 *   times out, or when the file is an LMDB file of another program.
 */
export async function rebuildLmdbFile(file: string, options: RebuildOptions): Promise<void> {
  const directory = dirname(file);
  const rebuilt = join(directory, REBUILD_FILE);
  // What a rebuild interrupted by a kill left behind.
  await removeLmdbFile(rebuilt);
  const { size } = await stat(file);
  // LMDB reports a full disk as an I/O error, which would read as a damaged file: ask first.
  const { bavail, bsize } = await statfs(directory);
  const needed = size + (1 << 20);
  if (bavail * bsize < needed) {
    throw new RealmStoreError(
      `realm store file ${file} cannot be checked: its check writes a copy of it and needs about ${needed} bytes ` +
        `free on the disk, but ${bavail * bsize} are; free some space`,
    );
  }
  const lmdb = createRequire(import.meta.url).resolve('lmdb');
  const lmdbUrl = new URL(`file://${lmdb}`).href;
  // Room for every record even where the new file's pages end up half full.
  const mapSize = Math.max(options.mapSize, 2 * size + (1 << 20));
  const most = Math.ceil(size / MIN_RECORD_BYTES);
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', PROGRAM, lmdbUrl, file, rebuilt, String(mapSize), String(most)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 8192) stderr += chunk.toString();
  });
  const timeoutMs = options.timeoutMs ?? rebuildTimeoutMs(size);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    },
  ).finally(() => clearTimeout(timer));
  if (code !== 0) {
    await removeLmdbFile(rebuilt);
    throw refusal(file, { code, signal, timedOut, timeoutMs, stderr });
  }
  await syncFile(rebuilt);
  await rename(rebuilt, file);
  // LMDB's lock file belongs to the file it sat beside (its reader table names that file's
  // transactions); the rebuilt file starts with a new one. No process uses the old one: the
  // caller holds the store lock, and the child has exited.
  await rm(`${file}-lock`, { force: true });
  await rm(`${rebuilt}-lock`, { force: true });
  await syncFile(directory);
}

/** The start error for a rebuild that did not succeed. */
function refusal(
  file: string,
  outcome: {
    code: number | null;
    signal: NodeJS.Signals | null;
    timedOut: boolean;
    timeoutMs: number;
    stderr: string;
  },
): RealmStoreError {
  const lines = outcome.stderr.split('\n').map((line) => line.trim());
  const tagged = lines
    .find((line) => line.startsWith(TAG))
    ?.slice(TAG.length)
    .trim();
  if (outcome.code === EXIT_FOREIGN && tagged !== undefined) {
    let names: string[] = [];
    try {
      names = JSON.parse(tagged) as string[];
    } catch {}
    return new RealmStoreError(
      `realm store file ${file} is an LMDB file of another program (it holds ${names.join(', ')}); ` +
        'point the realm store "path" elsewhere',
    );
  }
  if (tagged !== undefined && /ENOSPC|No space left/i.test(tagged)) {
    return new RealmStoreError(
      `realm store file ${file} cannot be checked: no space left on the disk for its rebuilt copy ` +
        `(${tagged}); the check needs free space of about the file's size`,
    );
  }
  let how: string;
  if (outcome.timedOut) {
    how = `did not finish within ${Math.round(outcome.timeoutMs / 1000)} s (its pages may form a cycle)`;
  } else if (outcome.signal !== null) {
    how = `crashed the checking process (${outcome.signal})`;
  } else {
    how = `failed (exit code ${outcome.code})`;
  }
  // LMDB's own assertion line when it aborted, else the child's message.
  const reason = tagged ?? lines.find((line) => /Assertion|MDB_/.test(line));
  return new RealmStoreError(
    `realm store file ${file} is damaged: reading it ${how}${reason === undefined ? '' : `: ${reason}`}; ${DAMAGED_FILE_ADVICE}`,
  );
}

/** Removes an LMDB file and its lock file. */
async function removeLmdbFile(file: string): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}-lock`, { force: true });
}

/** Flushes a file, or a directory's entries, to disk. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
