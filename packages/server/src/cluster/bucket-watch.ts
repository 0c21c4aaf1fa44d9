import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from '../logger.js';

/** How long a bucket that says it has values but sends none may hold up the start (ms). */
const INITIAL_READ_MS = 5000;

/** A running watch of a key-value bucket, see {@link watchBucket}. */
export interface BucketWatch {
  stop(): void;
}

/**
 * Watches every key of `kv`, handing each entry to `onEntry` (with `initial` true while the
 * entries present at start are being read); resolves once those are read. A bucket that says it
 * has values but sends none (all deleted meanwhile) does not hold up the start beyond a timeout.
 * Shared by the registration table and the retained events, which both read a whole bucket
 * before the node counts as joined.
 */
export async function watchBucket(
  kv: KV,
  onEntry: (entry: KvWatchEntry, initial: boolean) => void,
  options: { logger: Logger; what: string },
): Promise<BucketWatch> {
  const status = await kv.status();
  const watcher = await kv.watch({ key: '>' });
  let initial = true;
  let caughtUp: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    caughtUp = () => {
      initial = false;
      resolve();
    };
  });
  if (status.values === 0) caughtUp();
  void (async () => {
    for await (const entry of watcher) {
      onEntry(entry, initial);
      if (entry.delta === 0) caughtUp();
    }
  })().catch((error: unknown) => options.logger.error({ err: error }, `${options.what} watch ended`));
  const timeout = setTimeout(caughtUp, INITIAL_READ_MS);
  await ready;
  clearTimeout(timeout);
  return watcher;
}
