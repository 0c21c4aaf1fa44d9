/**
 * Starts one listening transport of a router worker — websocket, web, rawsocket or universal —
 * over its endpoint (TCP, TLS or Unix), and reports where it listens.
 */
import type { Socket } from 'node:net';
import type { TransportConfig, WebPathConfig, WebSocketPathConfig } from './config/config-schema.js';
import { mountedPathsOf } from './config/config-walk.js';
import type { ListeningEndpointConfig } from './config/endpoint-schema.js';
import type { Logger } from './logger.js';
import { MqttService, offersMqtt } from './mqtt/mqtt-service.js';
import type { PathServices } from './node-paths.js';
import type { SessionAcceptor } from './session-acceptor.js';
import { EndpointListener, type EndpointTraffic } from './transports/endpoint-listener.js';
import type { FrameCachePool } from './transports/frame-cache.js';
import { OpenHandshakeTimeout } from './transports/open-handshake-timeout.js';
import { RawSocketService } from './transports/rawsocket-service.js';
import { SlowConsumerCounters } from './transports/slow-consumer.js';
import { dispatchByFirstOctet } from './transports/universal-dispatch.js';
import { WebSocketService } from './transports/websocket-service.js';
import { HttpConnectionHandler, type ListenerHandlers } from './web/http-listener.js';
import { refuseUpgrade, sendError } from './web/http-responses.js';
import { httpTimeoutsOf } from './web/http-timeouts.js';
import { IpAllowList } from './web/ip-allowlist.js';
import { withTrustedProxies } from './web/trusted-proxies.js';
import { createWebRoutes, createWebSocketRoutes, rawPathOf, splitFirstSegment } from './web/web-routes.js';

/** Where one transport listens. */
export interface TransportAddress {
  /** Index of the worker in the config. */
  worker: number;
  /** Index of the transport in its worker. */
  transport: number;
  /** The transport's `id`, when the config gives one. */
  id: string | undefined;
  type: TransportConfig['type'];
  /** Bound address, e.g. `127.0.0.1` or `::`; the socket path for a Unix endpoint. */
  host: string;
  /** Bound port (the real one when the config says 0); 0 for a Unix endpoint. */
  port: number;
  /** Whether connections use TLS. */
  secure: boolean;
  /** Base URL: `http(s)://host:port/` for web and universal, `ws(s)://host:port/` for websocket, `rs(s)://host:port` for rawsocket; `unix://path` on a Unix socket. */
  url: string;
  /** URLs of the WebSocket services on this listener (`ws+unix://path:/ws` on a Unix socket). */
  websocketUrls: string[];
  /** URLs of the long-poll services on this listener. */
  longpollUrls: string[];
  /** Whether RawSocket clients are served. */
  rawsocket: boolean;
  /** Whether MQTT clients are served (an `mqtt` transport, or a universal one with `mqtt`). */
  mqtt: boolean;
}

/** A started transport. */
export interface RunningTransport {
  address: TransportAddress;
  /** Ends the connections (gracefully, up to `graceMs`) and the listener. */
  close(graceMs: number): Promise<void>;
  /** Bytes in and out and open connections, read now (metrics). */
  traffic(): EndpointTraffic;
  /** The slow-consumer counters of the transport's WebSocket services (metrics). */
  slowConsumers(): readonly SlowConsumerCounters[];
}

/** What starting a transport needs. */
export interface TransportContext {
  worker: number;
  index: number;
  router: SessionAcceptor;
  frameCaches: FrameCachePool;
  paths: PathServices;
  cbdir: string;
  logger: Logger;
}

/** The host part of a URL for a bound address; wildcard binds read as `localhost`. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** `G`, the first octet of an HTTP GET (a WebSocket upgrade request). */
const HTTP_GET_OCTET = 0x47;

const mountOf = (key: string) => (key === '/' ? '/' : `/${key}`);

/** Starts a transport with `endpoint` (the config's, or one with the listen overrides applied). */
export async function startTransport(
  transport: TransportConfig,
  endpoint: ListeningEndpointConfig,
  context: TransportContext,
): Promise<RunningTransport> {
  const { router, frameCaches, logger } = context;
  const services: WebSocketService[] = [];
  /** The WebSocket services by URL path, for `sse` paths' `cookie_store`. */
  const byMount = new Map<string, WebSocketService>();
  const newWebSocket = (config: WebSocketPathConfig, mount = '/') => {
    const service = new WebSocketService({ config, router, frameCaches, logger, cbdir: context.cbdir });
    services.push(service);
    byMount.set(mount, service);
    return service;
  };
  /** Slow-consumer counters of the transport's path services (SSE streams). */
  const pathCounters: SlowConsumerCounters[] = [];
  const transportPaths = {
    cookies: (mount: string) => byMount.get(mount)?.cookies,
    slowConsumerCounters: () => {
      const counters = new SlowConsumerCounters();
      pathCounters.push(counters);
      return counters;
    },
  };
  const webRoutes = (paths: Record<string, WebPathConfig>, accessLog: boolean | undefined) =>
    createWebRoutes({
      paths,
      cbdir: context.cbdir,
      createWebSocketService: newWebSocket,
      createPathHandler: (config, mount) => context.paths.create(config, mount, transportPaths),
      accessLog,
      logger,
    });

  let rawsocket: RawSocketService | undefined;
  let mqtt: MqttService | undefined;
  let handlers: ListenerHandlers | undefined;
  let webPaths: Record<string, WebPathConfig> = {};
  let wsPaths: string[] = [];
  switch (transport.type) {
    case 'websocket':
      handlers = createWebSocketRoutes(newWebSocket(transport));
      wsPaths = ['/'];
      break;
    case 'web':
      webPaths = transport.paths;
      handlers = webRoutes(transport.paths, transport.options?.access_log);
      break;
    case 'rawsocket':
      rawsocket = new RawSocketService({ config: transport, router, frameCaches, logger });
      break;
    case 'mqtt': {
      const broker = new MqttService({ options: transport.options, router, logger });
      mqtt = broker;
      // MQTT over WebSocket on the same port: an HTTP upgrade offering the `mqtt` subprotocol (docs/mqtt.md).
      handlers = {
        request: (_req, res) =>
          sendError(res, 426, 'this port speaks MQTT, or MQTT over WebSocket (subprotocol mqtt)', {}),
        upgrade: (req, socket, head) => {
          if (offersMqtt(req)) broker.handleUpgrade(req, socket, head);
          else refuseUpgrade(socket, 400, { error: 'MQTT over WebSocket needs the subprotocol mqtt' });
        },
      };
      break;
    }
    case 'universal': {
      if (transport.rawsocket !== undefined)
        rawsocket = new RawSocketService({ config: transport.rawsocket, router, frameCaches, logger });
      if (transport.mqtt !== undefined) mqtt = new MqttService({ options: transport.mqtt.options, router, logger });
      const mqttOverWebSocket = mqtt;
      webPaths = transport.web?.paths ?? {};
      const web =
        transport.web === undefined ? undefined : webRoutes(transport.web.paths, transport.web.options?.access_log);
      const upgrades = new Map(
        Object.entries(transport.websocket ?? {}).map(
          ([key, config]) => [key, newWebSocket(config, mountOf(key))] as const,
        ),
      );
      wsPaths = [...upgrades.keys()].map(mountOf);
      handlers = {
        request(req, res) {
          const { first, rest } = splitFirstSegment(rawPathOf(req) ?? '');
          const service = rest === '' || rest === '/' ? upgrades.get(first === '' ? '/' : first) : undefined;
          if (service !== undefined) service.handleRequest(req, res);
          else if (web !== undefined) web.request(req, res);
          else sendError(res, 404, 'not found', { path: req.url ?? '' });
        },
        upgrade(req, socket, head) {
          // MQTT over WebSocket: an upgrade offering the `mqtt` subprotocol, on any path (docs/mqtt.md).
          if (mqttOverWebSocket !== undefined && offersMqtt(req))
            return mqttOverWebSocket.handleUpgrade(req, socket, head);
          const rawPath = rawPathOf(req) ?? '';
          const { first, rest } = splitFirstSegment(rawPath);
          let service = rest === '' || rest === '/' ? upgrades.get(first === '' ? '/' : first) : undefined;
          // Without web paths, a WebSocket service at "/" takes upgrades on any path, as a websocket transport does.
          if (service === undefined && web === undefined) service = upgrades.get('/');
          if (service !== undefined) service.handleUpgrade(req, socket, head);
          else if (web !== undefined) web.upgrade(req, socket, head);
          else refuseUpgrade(socket, 404, { error: 'no WebSocket service at this path', path: rawPath });
        },
      };
      break;
    }
  }
  // Nested `path` services included: a WebSocket at `app/ws` is listed as `/app/ws`.
  const mounted = mountedPathsOf(webPaths);
  wsPaths.push(...mounted.filter((entry) => entry.config.type === 'websocket').map((entry) => entry.mount));
  const longpollPaths = mounted.filter((entry) => entry.config.type === 'longpoll').map((entry) => entry.mount);
  for (const { config, mount } of mounted) {
    const store = config.type === 'sse' ? config.cookie_store : undefined;
    if (store !== undefined && byMount.get(store)?.cookies === undefined)
      throw new Error(
        `sse path ${mount}: cookie_store ${JSON.stringify(store)} names no WebSocket path of this transport that tracks cookies (a "cookie" block or "cookie" auth)`,
      );
  }

  // `?.`: the bench's baseline build pairs this file with an older transports folder, whose
  // services have no settings (bench/lib/build-interchange.mjs).
  const handshakeMs = OpenHandshakeTimeout.smallest(
    services.map((service) => service.settings?.openHandshakeTimeoutMs ?? 0),
  );
  // Behind reverse proxies: the client address from their forwarding headers (docs/deployment.md).
  const proxies =
    transport.type === 'web'
      ? transport.options?.trusted_proxies
      : transport.type === 'universal'
        ? transport.web?.options?.trusted_proxies
        : undefined;
  if (proxies !== undefined && handlers !== undefined)
    handlers = withTrustedProxies(handlers, IpAllowList.parse(proxies, 'trusted_proxies'));
  const handshake =
    handshakeMs > 0 && handlers !== undefined ? new OpenHandshakeTimeout(handshakeMs, logger) : undefined;
  if (handshake !== undefined && handlers !== undefined) handlers = handshake.wrap(handlers);
  const http =
    handlers === undefined ? undefined : new HttpConnectionHandler(handlers, logger, httpTimeoutsOf(transport));
  const raw = rawsocket;
  const broker = mqtt;
  const onSocket = (socket: Socket): void => {
    handshake?.arm(socket);
    if (transport.type === 'universal' || transport.type === 'mqtt') {
      dispatchByFirstOctet(socket, {
        rawsocket:
          raw === undefined
            ? undefined
            : (s) => {
                handshake?.disarm(s);
                raw.handleSocket(s);
              },
        http: (s) => (http === undefined ? s.destroy() : http.handleSocket(s)),
        // On an mqtt transport only an HTTP GET (a WebSocket upgrade) is not MQTT: whatever else
        // a client sends first is MQTT's to answer (a packet other than CONNECT closes the connection).
        isMqtt: transport.type === 'mqtt' ? (octet) => octet !== HTTP_GET_OCTET : undefined,
        mqtt:
          broker === undefined
            ? undefined
            : (s) => {
                handshake?.disarm(s);
                broker.handleSocket(s);
              },
        firstOctetTimeoutMs: 10_000,
        logger,
      });
    } else if (raw !== undefined) raw.handleSocket(socket);
    else http?.handleSocket(socket);
  };
  const listener = await EndpointListener.listen(endpoint, { cbdir: context.cbdir, onSocket, logger });
  const { host, port } = listener.address;
  const s = listener.secure ? 's' : '';
  const unix = endpoint.type === 'unix';
  const base = unix ? `unix://${host}` : `${urlHost(host)}:${port}`;
  const scheme =
    transport.type === 'websocket'
      ? `ws${s}`
      : transport.type === 'rawsocket'
        ? `rs${s}`
        : transport.type === 'mqtt'
          ? `mqtt${s}`
          : `http${s}`;
  const address: TransportAddress = {
    worker: context.worker,
    transport: context.index,
    id: transport.id,
    type: transport.type,
    host,
    port,
    secure: listener.secure,
    url: unix ? base : `${scheme}://${base}${transport.type === 'rawsocket' || transport.type === 'mqtt' ? '' : '/'}`,
    websocketUrls: wsPaths.map((path) => (unix ? `ws+unix://${host}:${path}` : `ws${s}://${base}${path}`)),
    longpollUrls: longpollPaths.map((path) => (unix ? `${base}:${path}` : `http${s}://${base}${path}`)),
    rawsocket: raw !== undefined,
    mqtt: broker !== undefined,
  };
  return {
    address,
    async close(graceMs) {
      await Promise.all([
        ...services.map((service) => service.close(graceMs)),
        raw?.close(graceMs),
        broker?.close(graceMs),
      ]);
      await listener.close();
      http?.close();
    },
    traffic: () => listener.traffic,
    slowConsumers: () => [...services.map((service) => service.slowConsumers), ...pathCounters],
  };
}
