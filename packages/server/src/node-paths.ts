/**
 * Builds the path services of a web transport that need more than files: redirect, nodeinfo,
 * long-poll, json, archive, the reverse proxies, uploads, and the HTTP bridge (publisher, caller,
 * webhook) with their router-side sessions. Keeps what it built so the node can join the bridge
 * sessions and open archives at start, and close everything at stop.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Router } from '@interchange/router';
import type { PythonWorkerOptions } from './components/python-hosting.js';
import { ServiceSession } from './components/service-session.js';
import type { BridgeOptionsConfig, WebhookPathConfig } from './config/path-schema.js';
import type { ArchivePathConfig, UploadPathConfig } from './config/path-services-schema.js';
import { resolveInCbdir } from './config/validate-config.js';
import type { Logger } from './logger.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import type { SessionAcceptor } from './session-acceptor.js';
import type { CookieTracker } from './transports/cookie-tracker.js';
import type { FrameCachePool } from './transports/frame-cache.js';
import { LongPollService } from './transports/longpoll-service.js';
import type { SlowConsumerCounters } from './transports/slow-consumer.js';
import { ArchiveService } from './web/archive-service.js';
import type { BridgeChecks } from './web/bridge-request.js';
import { createCallerHandler, createPublisherHandler, createWebhookHandler } from './web/bridge-services.js';
import { CorsPolicy } from './web/cors-policy.js';
import { createDashboardHandler } from './web/dashboard-service.js';
import { IpAllowList } from './web/ip-allowlist.js';
import { createJsonHandler } from './web/json-service.js';
import { createMetricsHandler } from './web/metrics-service.js';
import { createNodeInfoHandler, type NodeInfo } from './web/nodeinfo-service.js';
import { MemoryNonceStore, type NonceStore } from './web/nonce-store.js';
import type { PathHandler } from './web/path-handler.js';
import { PythonWebService } from './web/python-web-service.js';
import { createRedirectHandler } from './web/redirect-service.js';
import { SignatureVerifier } from './web/request-signature.js';
import { ReverseProxy } from './web/reverse-proxy.js';
import { SseService } from './web/sse-service.js';
import { UploadService } from './web/upload-service.js';
import { createWapService } from './web/wap-paths.js';
import type { ServicePathConfig } from './web/web-routes.js';
import { WebSocketReverseProxy } from './web/websocket-reverse-proxy.js';

/** What the path services of one router worker share. */
export interface PathServicesOptions {
  router: SessionAcceptor;
  /** The router's realms, where `sse` paths read event history for `Last-Event-ID`. */
  realms?: Pick<Router, 'realm'> | undefined;
  frameCaches: FrameCachePool;
  nodeInfo: () => NodeInfo;
  /** The directory archive and upload paths resolve against (default: the working directory). */
  cbdir?: string | undefined;
  /** The node's metrics, made on first use (by the first metrics path). */
  metrics: () => NodeMetrics;
  /**
   * Where signed bridge requests to a realm keep their nonces: the realm's persistent store,
   * or undefined for memory (docs/durability.md).
   */
  nonceStore?: ((realm: string) => NonceStore | undefined) | undefined;
  /** The worker's `options` (python, pythonpath, env), for `wsgi` and `resource` paths. */
  python?: PythonWorkerOptions | undefined;
  logger: Logger;
}

type CheckOptions = Partial<BridgeOptionsConfig> &
  Partial<Pick<NonNullable<WebhookPathConfig['options']>, 'github_secret'>>;

/** The checks of a bridge path, from its options; `nonces`: where its replay state is kept (memory by default). */
export function bridgeChecks(options: CheckOptions | undefined, json: boolean, nonces?: NonceStore): BridgeChecks {
  return {
    postBodyLimit: options?.post_body_limit ?? 0,
    allowList: options?.require_ip === undefined ? undefined : IpAllowList.parse(options.require_ip),
    requireTls: options?.require_tls ?? false,
    verifier: new SignatureVerifier({
      key: options?.key,
      secret: options?.secret,
      timestampDeltaLimit: options?.timestamp_delta_limit,
      nonces,
    }),
    json,
    githubSecret: options?.github_secret,
    cors: new CorsPolicy(options?.allowed_origins, 'same-origin'),
  };
}

/** What a path's service may need from the transport it is mounted on. */
export interface TransportPaths {
  /** The cookie tracker of the transport's WebSocket path at this URL path (`/ws`), if it tracks cookies. */
  cookies(mount: string): CookieTracker | undefined;
  /** New slow-consumer counters, reported with the transport's (metrics). */
  slowConsumerCounters(): SlowConsumerCounters;
}

/** The path services of one router worker. */
export class PathServices {
  readonly #options: PathServicesOptions;
  readonly #sessions: ServiceSession[] = [];
  readonly #longPolls: LongPollService[] = [];
  /** Nonces of signed requests per realm without a persistent store, shared by its bridge paths. */
  readonly #memoryNonces = new Map<string, NonceStore>();
  /** What must be ready before the node is up (archives opened, upload folders created). */
  readonly #ready: Promise<void>[] = [];
  /** What holds files or connections until the node stops. */
  readonly #closers: (() => void)[] = [];
  /** The Python processes of `wsgi` and `resource` paths. */
  readonly #pythonServices: PythonWebService[] = [];

  constructor(options: PathServicesOptions) {
    this.#options = options;
  }

  /** Creates the handler of a path; `mount` is its URL path (`/publish`). */
  readonly create = (config: ServicePathConfig, mount: string, transport?: TransportPaths): PathHandler => {
    const { router, frameCaches, logger } = this.#options;
    switch (config.type) {
      case 'redirect':
        return createRedirectHandler({ url: config.url });
      case 'nodeinfo':
        return createNodeInfoHandler(this.#options.nodeInfo);
      case 'metrics':
        return createMetricsHandler(this.#options.metrics(), logger);
      case 'dashboard':
        return createDashboardHandler({
          realm: config.realm,
          websocket: config.websocket,
          activity: () => this.#options.nodeInfo().activity,
          logger,
        });
      case 'longpoll': {
        const service = new LongPollService({ config, router, frameCaches, logger });
        this.#longPolls.push(service);
        return service.handle;
      }
      case 'publisher':
      case 'caller':
      case 'webhook': {
        const session = new ServiceSession({
          router,
          realm: config.realm,
          authrole: config.role ?? 'anonymous',
          name: `http-${config.type}:${mount}`,
          logger,
        });
        this.#sessions.push(session);
        const nonces = this.#noncesOf(config.realm);
        if (config.type === 'webhook') {
          return createWebhookHandler({
            session,
            checks: bridgeChecks(config.options, false, nonces),
            logger,
            topic: config.options.topic,
            successResponse: config.options.success_response,
            errorResponse: config.options.error_response,
          });
        }
        const options = { session, checks: bridgeChecks(config.options, true, nonces), logger };
        return config.type === 'publisher' ? createPublisherHandler(options) : createCallerHandler(options);
      }
      case 'json':
        return createJsonHandler(config);
      case 'archive':
        return this.#archive(config);
      case 'reverseproxy': {
        const proxy = new ReverseProxy({ config, logger });
        this.#closers.push(() => proxy.close());
        return proxy.handle;
      }
      case 'websocket-reverseproxy': {
        const proxy = new WebSocketReverseProxy({ config, cbdir: this.#cbdir, logger });
        this.#closers.push(() => proxy.close());
        return proxy.handle;
      }
      case 'upload':
        return this.#upload(config, mount);
      case 'wsgi':
      case 'resource': {
        const service = new PythonWebService({
          config,
          mount,
          worker: this.#options.python,
          cbdir: this.#cbdir,
          logger,
        });
        this.#pythonServices.push(service);
        // Started now, so Python's start overlaps the node's; awaited (and its failure thrown) in start().
        const started = service.start();
        started.catch(() => undefined);
        this.#ready.push(started);
        return service.handle;
      }
      case 'wap': {
        const session = new ServiceSession({
          router,
          realm: config.wamp.realm,
          authrole: config.wamp.authrole ?? 'anonymous',
          name: `http-wap:${mount}`,
          logger,
        });
        this.#sessions.push(session);
        return createWapService({ config, mount, session, cbdir: this.#cbdir, logger });
      }
      case 'sse': {
        const store = config.cookie_store;
        const service = new SseService({
          config,
          router,
          realms: this.#options.realms,
          cookies: () => (store === undefined ? undefined : transport?.cookies(store)),
          counters: transport?.slowConsumerCounters(),
          logger,
        });
        this.#closers.push(() => service.close());
        return service.handle;
      }
    }
  };

  /**
   * The replay state of signed requests to a realm's bridge paths: one per realm, since the
   * signature does not cover the path (a request signed for one path must not be replayed to
   * another with the same key).
   */
  #noncesOf(realm: string): NonceStore {
    let nonces = this.#memoryNonces.get(realm) ?? this.#options.nonceStore?.(realm);
    if (nonces === undefined) {
      nonces = new MemoryNonceStore();
      this.#memoryNonces.set(realm, nonces);
    }
    return nonces;
  }

  get #cbdir(): string {
    return this.#options.cbdir ?? process.cwd();
  }

  #archive(config: ArchivePathConfig): PathHandler {
    const archive = new ArchiveService({
      file: resolveInCbdir(this.#cbdir, config.archive),
      origin: config.origin,
      download: config.download,
      cache: config.cache,
      defaultObject: config.default_object,
      objectPrefix: config.object_prefix,
      mimeTypes: config.mime_types,
      hashes: config.hashes,
      defaultFile: config.options?.default_file,
      logger: this.#options.logger,
    });
    this.#ready.push(archive.ready);
    this.#closers.push(() => archive.close());
    return archive.handle;
  }

  #upload(config: UploadPathConfig, mount: string): PathHandler {
    const { router, logger } = this.#options;
    const session = new ServiceSession({
      router,
      realm: config.realm,
      authrole: config.role,
      name: `http-upload:${mount}`,
      logger,
    });
    this.#sessions.push(session);
    const directory = resolveInCbdir(this.#cbdir, config.directory);
    const uploads = new UploadService({
      directory,
      // Without temp_directory, a folder of the system's temp directory, one per upload directory.
      tempDirectory:
        config.temp_directory === undefined
          ? join(tmpdir(), `interchange-upload-${Buffer.from(directory).toString('hex').slice(-40)}`)
          : resolveInCbdir(this.#cbdir, config.temp_directory),
      formFields: config.form_fields,
      maxFileSize: config.options?.max_file_size,
      fileTypes: config.options?.file_types,
      filePermissions: config.options?.file_permissions,
      publish: async (topic, payload, eligible) => {
        const joined = await session.get();
        await joined.publish(
          topic,
          [payload],
          eligible === undefined ? { acknowledge: true } : { acknowledge: true, eligible: [eligible] },
        );
      },
      logger,
    });
    this.#ready.push(uploads.ready);
    return uploads.handle;
  }

  /**
   * Joins the bridge sessions, opens archives and upload folders and starts the Python processes
   * of `wsgi` and `resource` paths, so a wrong realm or role, a missing archive or a Python app
   * that cannot be loaded fails the node's start.
   */
  async start(): Promise<void> {
    await Promise.all([...this.#sessions.map((session) => session.start()), ...this.#ready]);
  }

  /** The Python web services (`wsgi` and `resource` paths). */
  get pythonServices(): readonly PythonWebService[] {
    return this.#pythonServices;
  }

  /** Ends the long-poll transports, leaves the bridge sessions and stops the Python processes. */
  async close(graceMs = 5000): Promise<void> {
    for (const close of this.#closers.splice(0)) close();
    await Promise.all([
      ...this.#pythonServices.map((service) => service.stop(graceMs)),
      ...this.#longPolls.map((service) => service.close()),
      ...this.#sessions.map((session) => session.close()),
    ]);
  }
}
