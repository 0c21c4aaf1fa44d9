/**
 * The `dashboard` path service (Interchange addition): serves the dashboard page of one realm
 * (`dashboard-page.ts`) and the client's browser bundle beside it. The page connects back to
 * the node through a WebSocket path of the node as a normal client, so the node's
 * authentication and authorization apply: the role it joins as must be allowed to call the
 * `wamp.session.*`, `wamp.subscription.list` and `wamp.registration.list` meta procedures
 * (and, on a cluster member, `interchange.cluster.nodes`, for the cluster's nodes).
 */
import { readFile } from 'node:fs/promises';
import { CLIENT_BUNDLE_NAME, findClientBundle } from '../cli/init-command.js';
import type { Logger } from '../logger.js';
import type { ActivitySnapshot } from '../metrics/node-activity.js';
import { dashboardPage } from './dashboard-page.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** Options of {@link createDashboardHandler}. */
export interface DashboardOptions {
  realm: string;
  /** The URL path of the WebSocket service the page connects to (`/ws`). */
  websocket: string;
  /** The node's figures, for the page's message-rate chart (`<mount>/activity`, JSON). */
  activity: () => ActivitySnapshot | undefined;
  logger: Logger;
}

/**
 * Creates the handler of a dashboard path.
 *
 * @example
 * createDashboardHandler({ realm: 'realm1', websocket: '/ws', logger });
 */
export function createDashboardHandler(options: DashboardOptions): PathHandler {
  let bundle: Promise<Buffer | undefined> | undefined;
  const loadBundle = () => {
    bundle ??= findClientBundle().then((file) => (file === undefined ? undefined : readFile(file)));
    return bundle;
  };
  return async (req, res, subPath, mountPath) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    if (subPath === '') {
      // The page loads the bundle by a relative URL: serve it below the mount, at `mount/`.
      res.writeHead(301, { location: `${mountPath}/` });
      res.end();
      return;
    }
    if (subPath === '/') {
      const body = dashboardPage({ realm: options.realm, websocket: options.websocket, bundle: CLIENT_BUNDLE_NAME });
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (subPath === '/activity') {
      // The message totals the meta API does not have; the same figures the nodeinfo page shows.
      const activity = options.activity();
      const body = JSON.stringify({
        messagesReceived: activity?.messagesReceived ?? 0,
        messagesSent: activity?.messagesSent ?? 0,
      });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (subPath === `/${CLIENT_BUNDLE_NAME}`) {
      const code = await loadBundle().catch((error: unknown) => {
        options.logger.error({ err: error }, 'cannot read the client bundle');
        return undefined;
      });
      if (code === undefined) {
        sendError(res, 500, 'the client bundle of @interchange/client is not installed');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'content-length': code.length });
      res.end(req.method === 'HEAD' ? undefined : code);
      return;
    }
    sendError(res, 404, 'not found', { path: req.url ?? '' });
  };
}
