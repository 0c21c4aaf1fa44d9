/**
 * The node users start: one router per router worker of the config, its realms, its listening
 * transports and its hosted components, and an orderly stop (GOODBYE to every session, then the
 * listeners close).
 */
import type { Clock } from '@interchange/protocol';
import { Router } from '@interchange/router';
import { startClassComponent, type RunningComponent } from './components/class-component.js';
import type { NodeConfig, TransportConfig, WebSocketPathConfig } from './config/config-schema.js';
import { realmsOfWorker } from './config/router-config.js';
import { parseConfig } from './config/validate-config.js';
import { childLogger, type Logger, silentLogger } from './logger.js';
import { FrameCachePool } from './transports/frame-cache.js';
import { WebSocketService } from './transports/websocket-service.js';
import { HttpListener, type ListenerHandlers } from './web/http-listener.js';
import { createWebRoutes, createWebSocketRoutes } from './web/web-routes.js';

/** Replaces every transport's bind address or port (tests bind `127.0.0.1`, port 0). */
export interface ListenOverrides {
  interface?: string;
  port?: number;
}

/** Options of {@link InterchangeNode.start}. */
export interface NodeStartOptions {
  /** A node config (validated here; a {@link NodeConfig} or the parsed file). */
  config: unknown;
  /** The directory config paths resolve against (the config file's directory). */
  cbdir: string;
  /** pino-compatible logger; silent by default. */
  logger?: Logger;
  overrides?: ListenOverrides;
  /** The routers' time source. */
  clock?: Clock;
}

/** Options of {@link InterchangeNode.stop}. */
export interface NodeStopOptions {
  /** GOODBYE reason; `wamp.close.system_shutdown` by default. */
  reason?: string;
  /** How long to wait for GOODBYE replies (ms); 5000 by default. */
  timeoutMs?: number;
}

/** Where one transport listens. */
export interface TransportAddress {
  /** Index of the worker in the config. */
  worker: number;
  /** Index of the transport in its worker. */
  transport: number;
  /** The transport's `id`, when the config gives one. */
  id: string | undefined;
  type: TransportConfig['type'];
  /** Bound address, e.g. `127.0.0.1` or `::`. */
  host: string;
  /** Bound port (the real one when the config says 0). */
  port: number;
  /** Base URL: `http://host:port/` for web transports, `ws://host:port/` for websocket ones. */
  url: string;
  /** URLs of the WebSocket services on this listener. */
  websocketUrls: string[];
}

interface ListenerEntry {
  listener: HttpListener;
  services: WebSocketService[];
}

/** The host part of a URL for a bound address; wildcard binds read as `localhost`. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * A running Interchange node.
 *
 * @example
 * const { config, cbdir } = await loadConfig({ cbdir: '.interchange' });
 * const node = await InterchangeNode.start({ config, cbdir, logger: pino() });
 * console.log(node.addresses[0]?.websocketUrls);
 * await node.stop();
 */
export class InterchangeNode {
  /** One router per router worker, in config order. */
  readonly routers: readonly Router[];
  /** Where each transport listens, in config order. */
  readonly addresses: readonly TransportAddress[];
  /** Hosted components, started. */
  readonly components: readonly RunningComponent[];
  readonly #listeners: ListenerEntry[];
  readonly #logger: Logger;
  #stopping: Promise<void> | undefined;

  private constructor(parts: {
    routers: Router[];
    addresses: TransportAddress[];
    components: RunningComponent[];
    listeners: ListenerEntry[];
    logger: Logger;
  }) {
    this.routers = parts.routers;
    this.addresses = parts.addresses;
    this.components = parts.components;
    this.#listeners = parts.listeners;
    this.#logger = parts.logger;
  }

  /**
   * Validates the config, creates the routers and realms, starts hosted components, then binds
   * the listeners. If any step fails, what was started is stopped again and the error thrown.
   *
   * @throws ConfigError for an invalid config; TransportError when a port cannot be bound;
   *   what a component's module or entry point throws.
   */
  static async start(options: NodeStartOptions): Promise<InterchangeNode> {
    const logger = options.logger ?? silentLogger;
    const config: NodeConfig = await parseConfig(options.config, { cbdir: options.cbdir });
    const routers: Router[] = [];
    const components: RunningComponent[] = [];
    const listeners: ListenerEntry[] = [];
    const addresses: TransportAddress[] = [];
    const frameCaches = new FrameCachePool();
    try {
      for (const [w, worker] of config.workers.entries()) {
        const workerLogger = childLogger(logger, { worker: worker.id ?? w });
        const router = new Router({
          realms: realmsOfWorker(worker),
          logger: workerLogger,
          ...(options.clock === undefined ? {} : { clock: options.clock }),
        });
        routers.push(router);
        for (const realm of worker.realms) workerLogger.info({ realm: realm.name }, 'realm started');

        for (const component of worker.components) {
          components.push(await startClassComponent({ config: component, router, cbdir: options.cbdir, logger: workerLogger }));
        }

        for (const [t, transport] of worker.transports.entries()) {
          const endpoint = {
            ...transport.endpoint,
            ...(options.overrides?.interface === undefined ? {} : { interface: options.overrides.interface }),
            ...(options.overrides?.port === undefined ? {} : { port: options.overrides.port }),
          };
          const transportLogger = childLogger(workerLogger, { transport: transport.id ?? t });
          const newService = (wsConfig: WebSocketPathConfig) =>
            new WebSocketService({ config: wsConfig, router, frameCaches, logger: transportLogger });
          let services: WebSocketService[];
          let handlers: ListenerHandlers;
          let wsPaths: string[];
          if (transport.type === 'websocket') {
            const service = newService(transport);
            services = [service];
            handlers = createWebSocketRoutes(service);
            wsPaths = ['/'];
          } else {
            const routes = createWebRoutes({
              paths: transport.paths,
              cbdir: options.cbdir,
              createWebSocketService: (wsConfig) => newService(wsConfig),
              accessLog: transport.options?.access_log,
              logger: transportLogger,
            });
            services = routes.services;
            handlers = routes;
            wsPaths = Object.entries(transport.paths)
              .filter(([, path]) => path.type === 'websocket')
              .map(([key]) => (key === '/' ? '/' : `/${key}`));
          }
          const listener = await HttpListener.listen(endpoint, handlers, transportLogger);
          listeners.push({ listener, services });
          const host = urlHost(listener.address.host);
          const address: TransportAddress = {
            worker: w,
            transport: t,
            id: transport.id,
            type: transport.type,
            host: listener.address.host,
            port: listener.address.port,
            url: `${transport.type === 'web' ? 'http' : 'ws'}://${host}:${listener.address.port}/`,
            websocketUrls: wsPaths.map((path) => `ws://${host}:${listener.address.port}${path}`),
          };
          addresses.push(address);
          transportLogger.info(
            { type: transport.type, host: address.host, port: address.port, url: address.url, websocket: address.websocketUrls },
            'transport listening',
          );
        }
      }
    } catch (error) {
      await shutdownAll(routers, listeners, { timeoutMs: 1000 }, logger);
      throw error;
    }
    logger.info({ workers: routers.length, transports: addresses.length, components: components.length }, 'node started');
    return new InterchangeNode({ routers, addresses, components, listeners, logger });
  }

  /**
   * Stops the node: every session gets GOODBYE (`wamp.close.system_shutdown`) and has until
   * `timeoutMs` to answer, then connections and listeners close. Calling it again returns the
   * same promise.
   */
  stop(options: NodeStopOptions = {}): Promise<void> {
    this.#stopping ??= shutdownAll([...this.routers], this.#listeners, options, this.#logger).then(() => {
      this.#logger.info({}, 'node stopped');
    });
    return this.#stopping;
  }
}

async function shutdownAll(routers: Router[], listeners: ListenerEntry[], options: NodeStopOptions, logger: Logger): Promise<void> {
  const shutdown = {
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  await Promise.all(routers.map((router) => router.shutdown(shutdown)));
  await Promise.all(
    listeners.map(async ({ listener, services }) => {
      await Promise.all(services.map((service) => service.close()));
      await listener.close();
    }),
  ).catch((error: unknown) => logger.error({ err: error }, 'error while closing listeners'));
}
