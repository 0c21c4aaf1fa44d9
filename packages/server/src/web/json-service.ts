/**
 * The `json` path service (Crossbar's JSON Value Service): GET answers one fixed JSON document,
 * serialized once when the node starts.
 */
import type { JsonPathConfig } from '../config/path-services-schema.js';
import { CorsPolicy } from './cors-policy.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/**
 * Creates the handler of a json path. Only the path itself is served (a trailing `/` included);
 * anything below it is 404, as Crossbar's resource has no children.
 *
 * @example
 * createJsonHandler({ type: 'json', value: { version: 3 }, options: { prettify: true } });
 */
export function createJsonHandler(config: Pick<JsonPathConfig, 'value' | 'options'>): PathHandler {
  const body = Buffer.from(JSON.stringify(config.value, null, config.options?.prettify === true ? 3 : undefined));
  // Crossbar's `allow_cross_origin` (default true) opens the value to every page, but no longer with credentials.
  const cors = new CorsPolicy(
    config.options?.allowed_origins,
    (config.options?.allow_cross_origin ?? true) ? 'public' : 'none',
  );
  const cacheControl =
    config.options?.discourage_caching === true ? 'no-store, no-cache, must-revalidate, max-age=0' : undefined;
  return (req, res, subPath) => {
    if (subPath !== '' && subPath !== '/') {
      sendError(res, 404, 'not found', { path: req.url ?? '' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      ...cors.headers(req),
    };
    if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
