/**
 * Request routing of the transports. A `web` transport serves its `paths` (Crossbar: one URL
 * segment per key, `/` for the root): WebSocket paths take upgrades, every other service (static
 * files, redirect, nodeinfo, long-poll, the HTTP bridge) takes the requests at and below its path.
 * A `path` service holds its own `paths` below its segment, at any depth (Crossbar's nested paths).
 * A plain `websocket` transport accepts the upgrade on any path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebPathConfig } from '../config/config-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import type { WebSocketService } from '../transports/websocket-service.js';
import { accessLogPath } from './access-log-path.js';
import type { ListenerHandlers } from './http-listener.js';
import { refuseUpgrade, sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';
import { safeRequestPath } from './safe-url.js';
import { createStaticHandler } from './static-files.js';

/** What a path key serves. */
type Route =
  | { kind: 'handler'; serve: PathHandler }
  | { kind: 'websocket'; service: WebSocketService }
  | { kind: 'nested'; table: RouteTable };

/** The services of one `paths` map. */
interface RouteTable {
  routes: Map<string, Route>;
  root: Route | undefined;
}

/** The path configs whose services the node builds (they need the router or the node). */
export type ServicePathConfig = Exclude<WebPathConfig, { type: 'static' | 'websocket' | 'path' }>;

/** Options of {@link createWebRoutes}. */
export interface WebRoutesOptions {
  paths: Readonly<Record<string, WebPathConfig>>;
  /** The directory static paths resolve against. */
  cbdir: string;
  /** Creates the service of a WebSocket path. */
  createWebSocketService: (config: Extract<WebPathConfig, { type: 'websocket' }>, path: string) => WebSocketService;
  /** Creates the handler of any other service (redirect, nodeinfo, long-poll, bridge). */
  createPathHandler?: (config: ServicePathConfig, path: string) => PathHandler;
  /** Logs each request (Crossbar's `access_log`). */
  accessLog?: boolean | undefined;
  logger: Logger;
}

/** The raw path of a request target (percent-encoding kept, no normalisation), or undefined. */
export function rawPathOf(req: IncomingMessage): string | undefined {
  const target = req.url ?? '';
  if (target.startsWith('/')) return target.split('?')[0];
  // Absolute-form targets (RFC 9112 section 3.2.2), as proxies send them.
  if (/^https?:\/\//i.test(target)) {
    const afterHost = target.replace(/^https?:\/\/[^/?]*/i, '');
    return (afterHost.startsWith('/') ? afterHost : `/${afterHost}`).split('?')[0];
  }
  return undefined;
}

/** Splits `/ws/x` into the first segment (decoded) and the rest. */
export function splitFirstSegment(rawPath: string): { first: string; rest: string } {
  const end = rawPath.indexOf('/', 1);
  const encoded = end < 0 ? rawPath.slice(1) : rawPath.slice(1, end);
  let first = encoded;
  try {
    first = decodeURIComponent(encoded);
  } catch {
    // Left encoded: it will match no key, and the root service reports the malformed path.
  }
  return { first, rest: end < 0 ? '' : rawPath.slice(end) };
}

function logAccess(req: IncomingMessage, res: ServerResponse, logger: Logger): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // The path only: a signed bridge request carries its key, nonce and signature in the query;
    // a long-poll transport ID in the path is a bearer token.
    logger.info({ method: req.method, url: accessLogPath(req.url), status: res.statusCode, ms }, 'http request');
  });
}

/** The routes of one `paths` map; the services of nested `path`s below `prefix`, recursively. */
function buildRoutes(
  options: WebRoutesOptions,
  services: WebSocketService[],
  paths: Readonly<Record<string, WebPathConfig>>,
  prefix: string,
): RouteTable {
  const routes = new Map<string, Route>();
  for (const [key, config] of Object.entries(paths)) {
    const mount = key === '/' ? prefix || '/' : `${prefix}/${key}`;
    if (config.type === 'static') {
      const directory = resolveInCbdir(options.cbdir, config.directory);
      const serve = createStaticHandler({
        directory,
        directoryListing: config.options?.enable_directory_listing,
        mimeTypes: config.options?.mime_types,
        cacheSeconds: config.options?.cache_timeout,
        indexFile: config.options?.index_file,
        defaultFile: config.options?.default_file,
        allowCrossOrigin: config.options?.allow_cross_origin,
        allowedOrigins: config.options?.allowed_origins,
        logger: options.logger,
      });
      routes.set(key, { kind: 'handler', serve });
    } else if (config.type === 'websocket') {
      const service = options.createWebSocketService(config, mount);
      services.push(service);
      routes.set(key, { kind: 'websocket', service });
    } else if (config.type === 'path') {
      const table = buildRoutes(options, services, config.paths, key === '/' ? prefix : mount);
      routes.set(key, { kind: 'nested', table });
    } else {
      if (options.createPathHandler === undefined) throw new Error(`no handler for path type ${config.type}`);
      routes.set(key, { kind: 'handler', serve: options.createPathHandler(config, mount) });
    }
  }
  return { routes, root: routes.get('/') };
}

/** The handlers of a web transport, and the WebSocket services it created. */
export function createWebRoutes(options: WebRoutesOptions): ListenerHandlers & { services: WebSocketService[] } {
  const services: WebSocketService[] = [];
  const top = buildRoutes(options, services, options.paths, '');

  /** The route of a path, the path below it, and the URL prefix it is mounted at. */
  const resolve = (
    table: RouteTable,
    rawPath: string,
    prefix = '',
  ): { route: Exclude<Route, { kind: 'nested' }>; subPath: string; mount: string } | undefined => {
    const { first, rest } = splitFirstSegment(rawPath);
    const route = first === '/' ? undefined : table.routes.get(first);
    if (route !== undefined && first !== '') {
      const mount = prefix + rawPath.slice(0, rawPath.length - rest.length);
      return route.kind === 'nested' ? resolve(route.table, rest, mount) : { route, subPath: rest, mount };
    }
    if (table.root?.kind === 'nested') return resolve(table.root.table, rawPath, prefix);
    if (table.root !== undefined) return { route: table.root, subPath: rawPath, mount: prefix };
    return undefined;
  };

  return {
    services,
    request(req, res) {
      if (options.accessLog === true) logAccess(req, res, options.logger);
      const rawPath = rawPathOf(req);
      const target = rawPath === undefined ? undefined : resolve(top, rawPath);
      if (rawPath === undefined || target === undefined) {
        sendError(res, 404, 'not found', { path: rawPath ?? req.url ?? '' });
        return;
      }
      const { route, subPath, mount } = target;
      if (route.kind === 'websocket') {
        if (subPath === '' || subPath === '/') route.service.handleRequest(req, res);
        else sendError(res, 404, 'not found', { path: rawPath });
        return;
      }
      Promise.resolve()
        .then(() => route.serve(req, res, subPath, mount))
        .catch((error: unknown) => {
          options.logger.error({ err: error, url: safeRequestPath(req.url) }, 'path handler failed');
          if (!res.headersSent) sendError(res, 500, 'internal error');
          else res.destroy();
        });
    },
    upgrade(req, socket, head) {
      const rawPath = rawPathOf(req);
      const target = rawPath === undefined ? undefined : resolve(top, rawPath);
      if (target?.route.kind === 'websocket' && (target.subPath === '' || target.subPath === '/')) {
        target.route.service.handleUpgrade(req, socket, head);
        return;
      }
      const upgrade = target?.route.kind === 'handler' ? target.route.serve.upgrade : undefined;
      if (upgrade !== undefined && target !== undefined) {
        upgrade(req, socket, head, target.subPath);
        return;
      }
      refuseUpgrade(socket, 404, { error: 'no WebSocket service at this path', path: rawPath ?? req.url ?? '' });
    },
  };
}

/** The handlers of a plain `websocket` transport: upgrades on any path, nothing else. */
export function createWebSocketRoutes(service: WebSocketService): ListenerHandlers {
  return {
    request(req, res) {
      service.handleRequest(req, res);
    },
    upgrade(req, socket, head) {
      service.handleUpgrade(req, socket, head);
    },
  };
}
