/**
 * A full read of a store file in a throwaway process, before the node maps it itself. LMDB keeps
 * no checksums and trusts its pages: a page damaged on disk (a bad sector, a partial copy, a file
 * edited by hand) can make LMDB fail an assertion and abort the process, or read a stray pointer
 * and die of SIGSEGV. Met in the node itself, that would be a crash at every start; met in a
 * child, it is an error naming the file. The child opens the file as the node will (not
 * read-only: lmdb picks the last committed transaction only in its normal mode) and walks every
 * record of every database, decoding nothing (our own records are decoded, and checked, by the
 * node).
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RealmStoreError } from './realm-store-error.js';

/**
 * The child's program: argv[1] is the lmdb module, argv[2] the data file, argv[3] the most
 * records the file can hold. Damaged pages can point back at each other, and LMDB would walk
 * that cycle for ever: a walk that meets more records than the file has room for stops there.
 */
const READER = `
const { open } = await import(process.argv[1]);
const env = open({ path: process.argv[2], maxDbs: 16 });
const most = Number(process.argv[3]);
let records = 0;
const count = () => {
  if (++records > most) {
    process.stderr.write('error: MDB_CORRUPTED: more records than the file has room for (its pages form a cycle)\\n');
    process.exit(3);
  }
};
for (const name of env.getKeys()) {
  count();
  if (typeof name !== 'string') continue;
  const db = env.openDB({ name, encoding: 'binary' });
  for (const _ of db.getRange()) count();
}
await env.close();
`;

/** LMDB's smallest record takes at least this many bytes of a page (node header and key). */
const MIN_RECORD_BYTES = 8;

/**
 * How long the read may take: a base for starting the child, and enough to read the whole file
 * at a slow disk's pace; past it the walk is taken to be stuck in damaged pages.
 */
function readTimeoutMs(fileBytes: number): number {
  return 20_000 + Math.ceil(fileBytes / (10 * 1024 * 1024)) * 1000;
}

/**
 * Reads every record of `file` in a child process.
 * @throws RealmStoreError naming the file when the child fails, is killed by a signal, or times out.
 */
export async function readCheckLmdbFile(file: string): Promise<void> {
  const lmdb = createRequire(import.meta.url).resolve('lmdb');
  const lmdbUrl = new URL(`file://${lmdb}`).href;
  const { size } = await stat(file);
  const most = Math.ceil(size / MIN_RECORD_BYTES);
  const child = spawn(process.execPath, ['--input-type=module', '-e', READER, lmdbUrl, file, String(most)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), readTimeoutMs(size));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    },
  ).finally(() => clearTimeout(timer));
  if (code === 0) return;
  const reason = stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => /assert|error|MDB_/i.test(line));
  const how = signal !== null ? `crashed the reader (${signal})` : `failed (exit code ${code})`;
  throw new RealmStoreError(
    `realm store file ${file} is damaged: reading it ${how}${reason === undefined ? '' : `: ${reason}`}; ` +
      'move it away to start with an empty store',
  );
}
