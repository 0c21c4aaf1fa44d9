/**
 * `@interchange/server`: the node users start. Config (Crossbar node config v2, JSON or YAML),
 * listening transports (WebSocket, RawSocket, long-poll, web, universal; TCP, TLS or Unix
 * sockets), web services (static files, redirect, nodeinfo, HTTP bridge), hosted components
 * (built-in REST bridges included), guest workers, and the `interchange` CLI.
 */

export { type ConvertResult, convertConfigFile, convertedName } from './cli/convert-command.js';
export {
  CLIENT_BUNDLE_NAME,
  findClientBundle,
  type InitPlan,
  type InitResult,
  initPlan,
  runInit,
  starterPage,
} from './cli/init-command.js';
export {
  cbdirOf,
  convertCommand,
  keysCommand,
  type NodeCommandOptions,
  statusCommand,
  stopCommand,
} from './cli/node-commands.js';
export {
  PID_FILE_NAME,
  type PidData,
  processExists,
  removePidFile,
  runningNode,
  writePidFile,
} from './cli/pid-file.js';
export { type CliIo, ExitCode, packageVersion, runCli, USAGE } from './cli/run-cli.js';
export {
  CLUSTER_DEFAULTS,
  generateNodeId,
  NatsCluster,
  type NatsClusterOptions,
} from './cluster/nats-cluster.js';
export { type ClusterMemberOptions, startClusterMember } from './cluster/start-cluster.js';
export {
  type ComponentMain,
  type ComponentObject,
  type ComponentSpec,
  loadComponentMain,
  type RunningComponent,
  resolveComponentMain,
  type StartComponentOptions,
  startClassComponent,
} from './components/class-component.js';
export { type ComponentLanguage, componentLanguage } from './components/component-language.js';
export {
  componentUrl,
  type StartContainerComponentOptions,
  startContainerComponent,
} from './components/container-component.js';
export { type InProcessSessionOptions, joinInProcess } from './components/in-process-session.js';
export {
  DEFAULT_FORWARD_QUEUE_LIMIT,
  DEFAULT_FORWARD_TIMEOUT_MS,
  type ForwardOutcome,
  forwardedBody,
  type MessageForwarderOptions,
  messageForwarder,
  parseMessageForwarderExtra,
} from './components/message-forwarder.js';
export { importModuleFile, isTypeScriptModule } from './components/module-loader.js';
export {
  PythonComponent,
  type PythonComponentEnd,
  PythonComponentError,
  type PythonComponentOptions,
} from './components/python-component.js';
export { findPython, PYTHON_ENV_VAR, type PythonProbe, type PythonRuntime } from './components/python-runtime.js';
export {
  canonicalHeaderName,
  parseRestCalleeExtra,
  performRestCall,
  queryParams,
  REST_CALLEE_ERROR,
  type RestCallResult,
  resolveCallUrl,
  responseHeaders,
  restCallee,
} from './components/rest-callee.js';
export { ServiceSession, type ServiceSessionOptions } from './components/service-session.js';
export * from './config/config-issues.js';
export { type Environment, resolvePlaceholders, templateIssues } from './config/config-placeholders.js';
export * from './config/config-schema.js';
export { type LocalTarget, localTargetOf, sessionServicesOf, webPathsOf } from './config/config-walk.js';
export { CROSSBAR_REFUSALS, type Refusal, refusalAt, refusalMessage } from './config/crossbar-refusals.js';
export * from './config/default-config.js';
export * from './config/load-config.js';
export { realmsOfWorker, TRUSTED_ROLE } from './config/router-config.js';
export {
  parseConfig,
  resolveInCbdir,
  type ValidateOptions,
  type ValidationResult,
  validateConfig,
} from './config/validate-config.js';
export { type Logger, type LogMethod, silentLogger } from './logger.js';
export {
  InterchangeNode,
  type ListenOverrides,
  type NodeStartOptions,
  type NodeStopOptions,
  type TransportAddress,
} from './node.js';
export {
  ensureNodeKey,
  generateNodeKey,
  NODE_KEY_FILES,
  type NodeKey,
  parseNodeKeyFile,
  publicKeyOfSeed,
  readNodeKey,
} from './node-key.js';
export { bridgeChecks, PathServices, type PathServicesOptions } from './node-paths.js';
export { type RunningTransport, startTransport, type TransportContext } from './node-transports.js';
export type { AcceptOptions, SessionAcceptor } from './session-acceptor.js';
export { EndpointListener, type ListenEndpointOptions } from './transports/endpoint-listener.js';
export { FrameCache, FrameCachePool } from './transports/frame-cache.js';
export { LongPollService, type LongPollServiceOptions } from './transports/longpoll-service.js';
export { type LongPollLimits, LongPollTransport } from './transports/longpoll-transport.js';
export { RawSocketConnection, type RawSocketConnectionOptions } from './transports/rawsocket-connection.js';
export {
  DEFAULT_RAWSOCKET_MAX_MESSAGE_SIZE,
  RawSocketService,
  type RawSocketServiceOptions,
  socketPeer,
} from './transports/rawsocket-service.js';
export {
  type ClientCertificateInfo,
  loadTlsOptions,
  type ServerTransportInfo,
  type TlsPeerInfo,
  tlsPeerInfo,
} from './transports/tls-context.js';
export { dispatchByFirstOctet, type UniversalTargets } from './transports/universal-dispatch.js';
export {
  acceptedSubprotocols,
  DEFAULT_SERIALIZERS,
  type Negotiation,
  negotiateSubprotocol,
  parseOfferedSubprotocols,
} from './transports/websocket-negotiation.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  deflateOptions,
  WebSocketService,
  type WebSocketServiceOptions,
} from './transports/websocket-service.js';
export {
  acceptBridgeRequest,
  type BridgeChecks,
  type BridgeRequest,
  denyBridgeRequest,
  githubSignatureValid,
  MAX_BRIDGE_BODY,
} from './web/bridge-request.js';
export {
  type BridgeServiceOptions,
  createCallerHandler,
  createPublisherHandler,
  createWebhookHandler,
  type WebhookServiceOptions,
} from './web/bridge-services.js';
export { CONTENT_TYPES, contentTypeOf, DEFAULT_CONTENT_TYPE } from './web/content-types.js';
export {
  type BoundAddress,
  bindHost,
  HttpConnectionHandler,
  HttpListener,
  type ListenerHandlers,
} from './web/http-listener.js';
export { IpAllowList, unmapIPv4 } from './web/ip-allowlist.js';
export { createNodeInfoHandler, type NodeInfo } from './web/nodeinfo-service.js';
export type { PathHandler } from './web/path-handler.js';
export { createRedirectHandler, type RedirectOptions } from './web/redirect-service.js';
export {
  computeBridgeSignature,
  DEFAULT_TIMESTAMP_DELTA_LIMIT,
  formatBridgeTimestamp,
  parseBridgeTimestamp,
  type SignatureFailure,
  SignatureVerifier,
  type SignatureVerifierOptions,
  signBridgeRequest,
} from './web/request-signature.js';
export { createStaticHandler, type StaticFilesOptions, type StaticHandler } from './web/static-files.js';
export {
  createWebRoutes,
  createWebSocketRoutes,
  type ServicePathConfig,
  type WebRoutesOptions,
} from './web/web-routes.js';
export { GuestWorker, type GuestWorkerOptions, guestEnvironment } from './workers/guest-worker.js';
export { type SelfShutdown, ShutdownTriggers, type WorkerExit } from './workers/shutdown-triggers.js';
