/**
 * The lock that keeps two nodes off one realm store. LMDB itself lets several processes share
 * a file (its locking orders their transactions, it does not exclude them), and two routers
 * each trimming and numbering the same histories would undo each other's work; so the store
 * directory holds `interchange.lock`, created exclusively and naming the owning process by its
 * PID and start time (process-identity.ts). A lock whose process is gone (a node killed with
 * SIGKILL) is stale and taken over, so a restart after a crash needs no cleanup; so is one whose
 * PID now belongs to a process that started at another time (the PID was reused: in a container
 * the node is PID 1 at every start).
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { identityOf, isRunning, type ProcessIdentity, thisProcess } from '../cli/process-identity.js';
import { RealmStoreError } from './realm-store-error.js';

/** The lock file's name in a store directory. */
export const STORE_LOCK_NAME = 'interchange.lock';

/** A held lock; {@link release} removes the file. */
export interface StoreLock {
  readonly file: string;
  release(): Promise<void>;
}

/**
 * Takes the lock of a store directory (which must exist).
 * @throws RealmStoreError when a live process (this one included: two realms on one path) holds it.
 */
export async function lockStore(directory: string): Promise<StoreLock> {
  const file = join(directory, STORE_LOCK_NAME);
  // Twice at most: once more after removing a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(thisProcess())}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { file, release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RealmStoreError(`cannot create the realm store lock ${file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const owner = await lockOwner(file);
    if (owner !== undefined && isRunning(owner)) {
      if (owner.pid === process.pid) {
        throw new RealmStoreError(`realm store ${directory} is already used by another realm of this node (${file})`);
      }
      throw new RealmStoreError(
        `realm store ${directory} is in use by process ${owner.pid} (lock file ${file}); two nodes cannot share a store`,
      );
    }
    await rm(file, { force: true });
  }
  throw new RealmStoreError(`cannot take the realm store lock ${file}: another process keeps recreating it`);
}

/** The process a lock file names, or `undefined` for an unreadable or malformed one (stale). */
async function lockOwner(file: string): Promise<ProcessIdentity | undefined> {
  try {
    return identityOf(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}
