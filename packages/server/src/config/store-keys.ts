import type { z } from 'zod';

/** Whether a store type keeps its data in a file (`lmdb`). */
export function isPersistentStore(type: string): boolean {
  return type === 'lmdb';
}

/** Crossbar's default `maxsize` of a persistent realm store: 128 MiB. */
export const DEFAULT_STORE_MAXSIZE = 128 * 2 ** 20;

/**
 * The realm `store` keys that belong to one store type: `path` is required by `lmdb` (as by
 * Crossbar's database store) and, with `maxsize`, means nothing to `memory`, so a memory store
 * that names them is refused rather than started as if they were honoured.
 */
export function storeKeysOfType(
  store: {
    type: string;
    path?: string | undefined;
    maxsize?: number | undefined;
    sync?: boolean | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (isPersistentStore(store.type)) {
    if (store.path === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: 'an lmdb store needs a "path": its directory, relative to the node directory',
      });
    return;
  }
  for (const key of ['path', 'maxsize', 'sync'] as const) {
    if (store[key] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `"${key}" applies to a store of type "lmdb" only; a memory store keeps nothing on disk`,
      });
  }
}
