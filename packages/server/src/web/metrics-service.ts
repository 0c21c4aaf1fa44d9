/**
 * The `metrics` path service: the node's Prometheus metrics in the text format, for a scraper
 * (`"metrics": {"type": "metrics"}` under a web transport's `paths`). An Interchange addition;
 * Crossbar has no such path. Like `nodeinfo`, it tells a lot about the node: serve it on a
 * transport only the monitoring network reaches (docs/deployment.md).
 */
import type { Logger } from '../logger.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/**
 * Creates the handler of a metrics path.
 *
 * @example
 * createMetricsHandler(new NodeMetrics(activity), logger);
 */
export function createMetricsHandler(registry: NodeMetrics, logger: Logger): PathHandler {
  return async (req, res, subPath) => {
    if (subPath !== '' && subPath !== '/') {
      sendError(res, 404, 'not found', { path: req.url ?? '' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    let body: string;
    try {
      body = await registry.render();
    } catch (error) {
      logger.error({ err: error }, 'metrics collection failed');
      sendError(res, 500, 'metrics collection failed');
      return;
    }
    res.writeHead(200, {
      'content-type': registry.contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
