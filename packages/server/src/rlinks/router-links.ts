/**
 * The router links of a router worker: one {@link RouterLink} per entry of each realm's
 * `rlinks`, started once the node's listeners are up (so two nodes that link to each other both
 * start), stopped before the routers shut down (so the other nodes see a GOODBYE, not a loss).
 * The links sign with the node key; a node without one gets one (`key.pub`, `key.priv` in the
 * cbdir), as Crossbar creates its node key at the first start, and logs its public key for the
 * other nodes' `authorized_keys`.
 */
import type { RouterWorkerConfig } from '../config/config-schema.js';
import { childLogger, type Logger } from '../logger.js';
import { ensureNodeKey } from '../node-key.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { type LinkRetry, RouterLink } from './router-link.js';

/** Options of {@link startRouterLinks}. */
export interface StartRouterLinksOptions {
  worker: RouterWorkerConfig;
  router: SessionAcceptor;
  cbdir: string;
  logger: Logger;
  retry?: Partial<LinkRetry>;
}

/** Whether a router worker has any router link. */
export function hasRouterLinks(worker: RouterWorkerConfig): boolean {
  return worker.realms.some((realm) => (realm.rlinks?.length ?? 0) > 0);
}

/**
 * Starts every router link of a worker (each joins its local realm, then connects in the
 * background).
 * @throws when a link's local realm refuses it; links already started are stopped first.
 */
export async function startRouterLinks(options: StartRouterLinksOptions): Promise<RouterLink[]> {
  const { worker, router, cbdir, logger } = options;
  if (!hasRouterLinks(worker)) return [];
  const { key, created } = await ensureNodeKey(cbdir);
  if (created) logger.info({ pubkey: key.publicKey }, 'router links: node key created (key.pub, key.priv)');
  const privateKey = key.privateKey;
  if (privateKey === undefined) {
    throw new Error(`router links sign with the node's private key, and ${cbdir} has key.pub but no key.priv`);
  }
  const links: RouterLink[] = [];
  try {
    for (const realm of worker.realms) {
      for (const [i, config] of (realm.rlinks ?? []).entries()) {
        // Crossbar's default id: "rlink" and the link's place, three digits.
        const id = config.id ?? `rlink${String(i).padStart(3, '0')}`;
        const link = new RouterLink({
          id,
          config,
          realm: realm.name,
          router,
          cbdir,
          privateKey,
          logger: childLogger(logger, { rlink: id }),
          ...(options.retry === undefined ? {} : { retry: options.retry }),
        });
        await link.start();
        links.push(link);
        logger.info(
          { rlink: id, realm: realm.name, remote_realm: config.realm, pubkey: key.publicKey },
          'router link started',
        );
      }
    }
  } catch (error) {
    await Promise.all(links.map((link) => link.stop()));
    throw error;
  }
  return links;
}
