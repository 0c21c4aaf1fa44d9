/**
 * A look at a store file before LMDB maps it. LMDB trusts its file: the lmdb binding dies with
 * SIGSEGV on a file that is not an LMDB data file, which would turn a bad file into a node that
 * crashes at every start. So the two meta pages are checked first (their layout is LMDB's,
 * dependencies/lmdb/libraries/liblmdb/mdb.c in the lmdb package: `MDB_meta` after the page
 * header, magic 0xBEEFC0DE, data version 2), and a file that fails is refused with its name.
 */
import { open } from 'node:fs/promises';
import { RealmStoreError } from './realm-store-error.js';

const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;
/** Offsets in a meta page: `mm_magic`, `mm_version`, and the page size kept in the free DB record. */
const MAGIC_OFFSET = 24;
const VERSION_OFFSET = 28;
const PAGE_SIZE_OFFSET = 48;

/**
 * Checks that `file`, if it exists and is not empty, starts with two LMDB meta pages.
 * @returns whether there is a file with content (a new store has none).
 * @throws RealmStoreError naming the file when it does not.
 */
export async function checkLmdbFile(file: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new RealmStoreError(`cannot read the realm store file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const refuse = (why: string) =>
      new RealmStoreError(
        `realm store file ${file} is not an Interchange realm store (${why}); ` +
          'move it away to start with an empty store, or point the realm store "path" elsewhere',
      );
    const head = Buffer.alloc(64);
    await handle.read(head, 0, 64, 0);
    if (head.readUInt32LE(MAGIC_OFFSET) !== MDB_MAGIC) throw refuse('no LMDB meta page');
    if (head.readUInt32LE(VERSION_OFFSET) !== MDB_DATA_VERSION) throw refuse('unknown LMDB data version');
    const pageSize = head.readUInt32LE(PAGE_SIZE_OFFSET);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw refuse('bad page size');
    if (size < 2 * pageSize) throw refuse('truncated');
    const second = Buffer.alloc(64);
    await handle.read(second, 0, 64, pageSize);
    if (second.readUInt32LE(MAGIC_OFFSET) !== MDB_MAGIC) throw refuse('second meta page damaged');
    return true;
  } finally {
    await handle.close();
  }
}
