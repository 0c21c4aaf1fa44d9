/**
 * `@interchange/server`: the node users start. Config (Crossbar node config v2, JSON or YAML),
 * listening transports (WebSocket, RawSocket, long-poll, web, universal; TCP, TLS or Unix
 * sockets), web services (static files, redirect, nodeinfo, HTTP bridge), hosted components
 * (built-in REST bridges included), guest workers, and the `interchange` CLI.
 */
export * from './config/config-schema.js';
export * from './config/config-issues.js';
export { validateConfig, parseConfig, resolveInCbdir, type ValidationResult } from './config/validate-config.js';
export * from './config/load-config.js';
export * from './config/default-config.js';
export { realmsOfWorker, TRUSTED_ROLE } from './config/router-config.js';
export { localTargetOf, sessionServicesOf, webPathsOf, type LocalTarget } from './config/config-walk.js';
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
  resolveComponentMain,
  type ComponentMain,
  type ComponentObject,
  type ComponentSpec,
  type RunningComponent,
  type StartComponentOptions,
} from './components/class-component.js';
export { startContainerComponent, componentUrl, type StartContainerComponentOptions } from './components/container-component.js';
export { joinInProcess, type InProcessSessionOptions } from './components/in-process-session.js';
export { ServiceSession, type ServiceSessionOptions } from './components/service-session.js';
export { importModuleFile, isTypeScriptModule } from './components/module-loader.js';
export {
  restCallee,
  performRestCall,
  parseRestCalleeExtra,
  queryParams,
  responseHeaders,
  canonicalHeaderName,
  REST_CALLEE_ERROR,
  type RestCallResult,
} from './components/rest-callee.js';
export {
  messageForwarder,
  parseMessageForwarderExtra,
  forwardedBody,
  type ForwardOutcome,
  type MessageForwarderOptions,
} from './components/message-forwarder.js';
export { GuestWorker, guestEnvironment, type GuestWorkerOptions } from './workers/guest-worker.js';
export { readNodeKey, ensureNodeKey, generateNodeKey, publicKeyOfSeed, parseNodeKeyFile, NODE_KEY_FILES, type NodeKey } from './node-key.js';
export { WebSocketService, DEFAULT_MAX_MESSAGE_SIZE, deflateOptions, type WebSocketServiceOptions } from './transports/websocket-service.js';
export { RawSocketService, DEFAULT_RAWSOCKET_MAX_MESSAGE_SIZE, socketPeer, type RawSocketServiceOptions } from './transports/rawsocket-service.js';
export { RawSocketConnection, type RawSocketConnectionOptions } from './transports/rawsocket-connection.js';
export { LongPollService, type LongPollServiceOptions } from './transports/longpoll-service.js';
export { LongPollTransport, type LongPollLimits } from './transports/longpoll-transport.js';
export { EndpointListener, type ListenEndpointOptions } from './transports/endpoint-listener.js';
export { dispatchByFirstOctet, type UniversalTargets } from './transports/universal-dispatch.js';
export {
  loadTlsOptions,
  tlsPeerInfo,
  type ClientCertificateInfo,
  type ServerTransportInfo,
  type TlsPeerInfo,
} from './transports/tls-context.js';
export { startTransport, type RunningTransport, type TransportContext } from './node-transports.js';
export { PathServices, bridgeChecks, type PathServicesOptions } from './node-paths.js';
export {
  acceptedSubprotocols,
  negotiateSubprotocol,
  parseOfferedSubprotocols,
  DEFAULT_SERIALIZERS,
  type Negotiation,
} from './transports/websocket-negotiation.js';
export { FrameCache, FrameCachePool } from './transports/frame-cache.js';
export { HttpListener, HttpConnectionHandler, bindHost, type BoundAddress, type ListenerHandlers } from './web/http-listener.js';
export { createWebRoutes, createWebSocketRoutes, type ServicePathConfig, type WebRoutesOptions } from './web/web-routes.js';
export type { PathHandler } from './web/path-handler.js';
export {
  acceptBridgeRequest,
  denyBridgeRequest,
  githubSignatureValid,
  MAX_BRIDGE_BODY,
  type BridgeChecks,
  type BridgeRequest,
} from './web/bridge-request.js';
export {
  createPublisherHandler,
  createCallerHandler,
  createWebhookHandler,
  type BridgeServiceOptions,
  type WebhookServiceOptions,
} from './web/bridge-services.js';
export {
  SignatureVerifier,
  signBridgeRequest,
  computeBridgeSignature,
  parseBridgeTimestamp,
  formatBridgeTimestamp,
  DEFAULT_TIMESTAMP_DELTA_LIMIT,
  type SignatureFailure,
  type SignatureVerifierOptions,
} from './web/request-signature.js';
export { IpAllowList, unmapIPv4 } from './web/ip-allowlist.js';
export { createRedirectHandler, type RedirectOptions } from './web/redirect-service.js';
export { createNodeInfoHandler, type NodeInfo } from './web/nodeinfo-service.js';
export { createStaticHandler, type StaticFilesOptions, type StaticHandler } from './web/static-files.js';
export { contentTypeOf, CONTENT_TYPES, DEFAULT_CONTENT_TYPE } from './web/content-types.js';
export { runCli, USAGE, ExitCode, packageVersion, type CliIo } from './cli/run-cli.js';
export { statusCommand, stopCommand, convertCommand, keysCommand, cbdirOf, type NodeCommandOptions } from './cli/node-commands.js';
export { convertConfigFile, convertedName, type ConvertResult } from './cli/convert-command.js';
export { runningNode, writePidFile, removePidFile, processExists, PID_FILE_NAME, type PidData } from './cli/pid-file.js';
export { runInit, initPlan, findClientBundle, starterPage, CLIENT_BUNDLE_NAME, type InitPlan, type InitResult } from './cli/init-command.js';
