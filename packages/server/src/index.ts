/**
 * `@interchange/server`: the node users start. Config (Crossbar node config v2, JSON or YAML),
 * listening transports (WebSocket, web with static files), hosted components, and the
 * `interchange` CLI.
 */
export * from './config/config-schema.js';
export * from './config/config-issues.js';
export { validateConfig, parseConfig, resolveInCbdir, type ValidationResult } from './config/validate-config.js';
export * from './config/load-config.js';
export * from './config/default-config.js';
export { realmsOfWorker, TRUSTED_ROLE } from './config/router-config.js';
export { type Logger, type LogMethod, silentLogger } from './logger.js';
export type { AcceptOptions, SessionAcceptor } from './session-acceptor.js';
export {
  InterchangeNode,
  type ListenOverrides,
  type NodeStartOptions,
  type NodeStopOptions,
  type TransportAddress,
} from './node.js';
export {
  startClassComponent,
  loadComponentMain,
  type ComponentMain,
  type ComponentObject,
  type RunningComponent,
} from './components/class-component.js';
export { WebSocketService, DEFAULT_MAX_MESSAGE_SIZE, type WebSocketServiceOptions } from './transports/websocket-service.js';
export {
  acceptedSubprotocols,
  negotiateSubprotocol,
  parseOfferedSubprotocols,
  DEFAULT_SERIALIZERS,
  type Negotiation,
} from './transports/websocket-negotiation.js';
export { FrameCache, FrameCachePool } from './transports/frame-cache.js';
export { HttpListener, bindHost, type BoundAddress, type ListenerHandlers } from './web/http-listener.js';
export { createWebRoutes, createWebSocketRoutes, type WebRoutesOptions } from './web/web-routes.js';
export { createStaticHandler, type StaticFilesOptions, type StaticHandler } from './web/static-files.js';
export { contentTypeOf, CONTENT_TYPES, DEFAULT_CONTENT_TYPE } from './web/content-types.js';
export { runCli, USAGE, ExitCode, packageVersion, type CliIo } from './cli/run-cli.js';
export { runInit, initPlan, findClientBundle, starterPage, CLIENT_BUNDLE_NAME, type InitPlan, type InitResult } from './cli/init-command.js';
