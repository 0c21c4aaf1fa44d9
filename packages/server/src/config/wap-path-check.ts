/**
 * What `interchange check` verifies of `wap` paths beyond their schema (their realm and authrole
 * are checked with the other services in validate-config.ts): that the templates folder exists
 * and that each route's template loads and compiles, as the node needs at start.
 */
import { loadWapRoutes } from '../web/wap-routes.js';
import type { NodeConfig } from './config-schema.js';
import { allWebPathsOf, type KeyPath } from './config-walk.js';

/** One problem: where (a key path from the config's root), and what. */
export interface WapPathProblem {
  path: KeyPath;
  message: string;
}

/** The problems of every wap path's templates; `resolve` resolves a path of the config against the cbdir. */
export function wapPathProblems(config: NodeConfig, resolve: (path: string) => string): WapPathProblem[] {
  const problems: WapPathProblem[] = [];
  config.workers.forEach((worker, w) => {
    if (worker.type !== 'router') return;
    worker.transports.forEach((transport, t) => {
      for (const entry of allWebPathsOf(transport, t)) {
        if (entry.config.type !== 'wap') continue;
        const at: KeyPath = ['workers', w, ...entry.path];
        for (const problem of loadWapRoutes(entry.config, resolve(entry.config.templates)).problems)
          problems.push({
            path: problem.route === undefined ? [...at, 'templates'] : [...at, 'routes', problem.route, 'render'],
            message: problem.message,
          });
      }
    });
  });
  return problems;
}
