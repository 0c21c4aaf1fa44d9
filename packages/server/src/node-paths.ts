/**
 * Builds the path services of a web transport that need more than files: redirect, nodeinfo,
 * long-poll, and the HTTP bridge (publisher, caller, webhook) with their router-side sessions.
 * Keeps what it built so the node can join the bridge sessions at start and close everything at
 * stop.
 */

import { ServiceSession } from './components/service-session.js';
import type { BridgeOptionsConfig, WebhookPathConfig } from './config/path-schema.js';
import type { Logger } from './logger.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import type { SessionAcceptor } from './session-acceptor.js';
import type { FrameCachePool } from './transports/frame-cache.js';
import { LongPollService } from './transports/longpoll-service.js';
import type { BridgeChecks } from './web/bridge-request.js';
import { createCallerHandler, createPublisherHandler, createWebhookHandler } from './web/bridge-services.js';
import { createDashboardHandler } from './web/dashboard-service.js';
import { IpAllowList } from './web/ip-allowlist.js';
import { createMetricsHandler } from './web/metrics-service.js';
import { createNodeInfoHandler, type NodeInfo } from './web/nodeinfo-service.js';
import type { PathHandler } from './web/path-handler.js';
import { createRedirectHandler } from './web/redirect-service.js';
import { SignatureVerifier } from './web/request-signature.js';
import type { ServicePathConfig } from './web/web-routes.js';

/** What the path services of one router worker share. */
export interface PathServicesOptions {
  router: SessionAcceptor;
  frameCaches: FrameCachePool;
  nodeInfo: () => NodeInfo;
  /** The node's metrics, made on first use (by the first metrics path). */
  metrics: () => NodeMetrics;
  logger: Logger;
}

type CheckOptions = Partial<BridgeOptionsConfig> &
  Partial<Pick<NonNullable<WebhookPathConfig['options']>, 'github_secret'>>;

/** The checks of a bridge path, from its options. */
export function bridgeChecks(options: CheckOptions | undefined, json: boolean): BridgeChecks {
  return {
    postBodyLimit: options?.post_body_limit ?? 0,
    allowList: options?.require_ip === undefined ? undefined : IpAllowList.parse(options.require_ip),
    requireTls: options?.require_tls ?? false,
    verifier: new SignatureVerifier({
      key: options?.key,
      secret: options?.secret,
      timestampDeltaLimit: options?.timestamp_delta_limit,
    }),
    json,
    githubSecret: options?.github_secret,
  };
}

/** The path services of one router worker. */
export class PathServices {
  readonly #options: PathServicesOptions;
  readonly #sessions: ServiceSession[] = [];
  readonly #longPolls: LongPollService[] = [];

  constructor(options: PathServicesOptions) {
    this.#options = options;
  }

  /** Creates the handler of a path; `mount` is its URL path (`/publish`). */
  readonly create = (config: ServicePathConfig, mount: string): PathHandler => {
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
        if (config.type === 'webhook') {
          return createWebhookHandler({
            session,
            checks: bridgeChecks(config.options, false),
            logger,
            topic: config.options.topic,
            successResponse: config.options.success_response,
            errorResponse: config.options.error_response,
          });
        }
        const options = { session, checks: bridgeChecks(config.options, true), logger };
        return config.type === 'publisher' ? createPublisherHandler(options) : createCallerHandler(options);
      }
    }
  };

  /** Joins the bridge sessions, so a wrong realm or role fails the node's start. */
  async start(): Promise<void> {
    await Promise.all(this.#sessions.map((session) => session.start()));
  }

  /** Ends the long-poll transports and leaves the bridge sessions. */
  async close(): Promise<void> {
    await Promise.all([
      ...this.#longPolls.map((service) => service.close()),
      ...this.#sessions.map((session) => session.close()),
    ]);
  }
}
