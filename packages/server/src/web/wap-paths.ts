/**
 * Builds a `wap` path from its config: its templates folder (relative to the config file's
 * directory), its routes (wap-routes.ts) and its handler (wap-service.ts).
 */
import type { ServiceSession } from '../components/service-session.js';
import { resolveInCbdir } from '../config/validate-config.js';
import { DEFAULT_WAP_BODY_LIMIT, type WapPathConfig } from '../config/wap-path-schema.js';
import type { Logger } from '../logger.js';
import type { PathHandler } from './path-handler.js';
import { loadWapRoutes, type WapTemplateProblem } from './wap-routes.js';
import { createWapHandler } from './wap-service.js';
import { WapTemplateError } from './wap-templates.js';

/** Options of {@link createWapService}. */
export interface WapPathOptions {
  config: WapPathConfig;
  /** The URL path the service is mounted at, for messages. */
  mount: string;
  session: ServiceSession;
  cbdir: string;
  logger: Logger;
}

/**
 * The handler of a wap path.
 * @throws WapTemplateError naming the path and each template that cannot be loaded.
 */
export function createWapService(options: WapPathOptions): PathHandler {
  const { config, mount } = options;
  const { routes, problems } = loadWapRoutes(config, resolveInCbdir(options.cbdir, config.templates));
  if (problems.length > 0) {
    const where = (p: WapTemplateProblem) =>
      p.route === undefined ? 'templates' : `route ${p.route} (${config.routes[p.route]?.path ?? ''})`;
    throw new WapTemplateError(
      `wap path ${mount || '/'}: ${problems.map((p) => `${where(p)}: ${p.message}`).join('; ')}`,
    );
  }
  return createWapHandler({
    routes,
    session: options.session,
    postBodyLimit: config.options?.post_body_limit ?? DEFAULT_WAP_BODY_LIMIT,
    logger: options.logger,
  });
}
