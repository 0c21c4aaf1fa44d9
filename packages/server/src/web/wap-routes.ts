/**
 * The routes of a `wap` path from its config: each route's rule and compiled template. Templates
 * are loaded and compiled once, when the node starts (as Crossbar loads them when the service
 * starts), so a missing or broken template fails the start, and `interchange check` reports it
 * (config/wap-path-check.ts).
 */
import type { WapPathConfig } from '../config/wap-path-schema.js';
import { WapRule } from './wap-route-rule.js';
import type { WapRoute } from './wap-service.js';
import { WapTemplateError, WapTemplates } from './wap-templates.js';

/** A problem with a wap path's templates: the key it is about (`templates`, or a route's `render`), and what. */
export interface WapTemplateProblem {
  /** `undefined` for the templates folder, else the index of the route. */
  route: number | undefined;
  message: string;
}

/**
 * Loads the templates of a wap path.
 * @returns the routes, or every problem found (each route's template is tried).
 */
export function loadWapRoutes(
  config: Pick<WapPathConfig, 'sandbox' | 'routes'>,
  /** The templates folder, absolute. */
  directory: string,
): { routes: WapRoute[]; problems: WapTemplateProblem[] } {
  let templates: WapTemplates;
  try {
    templates = new WapTemplates({
      directory,
      sandbox: config.sandbox ?? true,
    });
  } catch (error) {
    if (!(error instanceof WapTemplateError)) throw error;
    return { routes: [], problems: [{ route: undefined, message: error.message }] };
  }
  const routes: WapRoute[] = [];
  const problems: WapTemplateProblem[] = [];
  config.routes.forEach((route, i) => {
    try {
      routes.push({
        rule: new WapRule(route.path),
        method: route.method,
        procedure: route.call ?? undefined,
        template: templates.load(route.render),
        templateName: route.render,
      });
    } catch (error) {
      if (!(error instanceof WapTemplateError)) throw error;
      problems.push({ route: i, message: error.message });
    }
  });
  return { routes, problems };
}
