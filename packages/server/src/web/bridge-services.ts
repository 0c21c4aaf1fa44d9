/**
 * The HTTP bridge services (Crossbar's HTTP Publisher, HTTP Caller and HTTP Webhook): plain HTTP
 * POSTs become WAMP publications and calls, made through the service's router-side session.
 *
 * - publisher: `{"topic", "args"?, "kwargs"?, "options"?}` → publish (acknowledged) → 200 `{"id": publication}`.
 * - caller: `{"procedure", "args"?, "kwargs"?}` → call → 200 `{"args": [...], "kwargs": {...}}`, each
 *   present when non-empty; a single result `v` reads `{"args": [v]}`.
 * - webhook: any POST → event `[{"headers": {...}, "body": "..."}]` on the configured topic → 202.
 *
 * A WAMP error (not authorized, no such procedure, an application error) is the client's
 * business, so it is answered 200 with `{"error": uri, "args": [...], "kwargs": {...}}`, as
 * Crossbar does; only a failure of the node itself is a 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PublishOptions } from '@interchange/client';
import { ApplicationError, InvalidArgumentError } from '@interchange/protocol';
import { canonicalHeaderName } from '../components/rest-callee.js';
import type { ServiceSession } from '../components/service-session.js';
import type { Logger } from '../logger.js';
import { acceptBridgeRequest, type BridgeChecks, denyBridgeRequest, sendBridgeJson } from './bridge-request.js';
import type { PathHandler } from './path-handler.js';

/** What the bridge services share. */
export interface BridgeServiceOptions {
  session: ServiceSession;
  checks: BridgeChecks;
  logger: Logger;
}

/** Options of the webhook service. */
export interface WebhookServiceOptions extends BridgeServiceOptions {
  topic: string;
  successResponse?: string | undefined;
  errorResponse?: string | undefined;
}

/** PUBLISH options a publisher request may pass on (Crossbar's list). */
const PUBLISH_OPTION_NAMES = [
  'retain',
  'exclude_me',
  'exclude_authid',
  'exclude_authrole',
  'exclude',
  'eligible_authid',
  'eligible_authrole',
  'eligible',
] as const satisfies readonly (keyof PublishOptions)[];

const notWellFormed = (res: ServerResponse, what: string) =>
  denyBridgeRequest(res, 400, `Request body was valid JSON, but not well formed (${what}).`);

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `args`, `kwargs` and `options` of a request body; absent or empty ones read as empty. */
function payloadOf(
  res: ServerResponse,
  body: Record<string, unknown>,
): { args: unknown[]; kwargs: Record<string, unknown>; options: Record<string, unknown> } | undefined {
  const { args, kwargs, options } = body;
  if (args !== undefined && args !== null && !Array.isArray(args))
    return void notWellFormed(res, "'args' must be a list");
  if (kwargs !== undefined && kwargs !== null && !isDict(kwargs))
    return void notWellFormed(res, "'kwargs' must be a dict");
  if (options !== undefined && options !== null && !isDict(options))
    return void notWellFormed(res, "'options' must be a dict");
  return {
    args: (args as unknown[] | null | undefined) ?? [],
    kwargs: (kwargs as Record<string, unknown> | null | undefined) ?? {},
    options: options ?? {},
  };
}

/** Answers a failed publish or call: a WAMP error → 200 with its URI, anything else → 500. */
function answerFailure(res: ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof ApplicationError) {
    sendBridgeJson(res, 200, { error: error.uri, args: error.args, kwargs: error.kwargs });
    return;
  }
  if (error instanceof InvalidArgumentError) {
    // Our client refuses an invalid URI before sending it; Crossbar's router would answer it.
    sendBridgeJson(res, 200, { error: 'wamp.error.invalid_uri', args: [error.message], kwargs: {} });
    return;
  }
  logger.error({ err: error }, 'HTTP bridge request failed');
  if (res.headersSent) return;
  sendBridgeJson(res, 500, {
    error: 'wamp.error.runtime_error',
    args: ['Sorry, the node has encountered a problem.'],
    kwargs: {},
  });
}

/** The publisher path handler. */
export function createPublisherHandler(options: BridgeServiceOptions): PathHandler {
  return async (req, res) => {
    const request = await acceptBridgeRequest(req, res, options.checks);
    if (request?.json === undefined) return;
    const { topic } = request.json;
    if (topic === undefined) return notWellFormed(res, "missing key 'topic'");
    if (typeof topic !== 'string') return notWellFormed(res, "'topic' must be a string");
    const payload = payloadOf(res, request.json);
    if (payload === undefined) return;
    const publishOptions: PublishOptions = { acknowledge: true, kwargs: payload.kwargs };
    for (const name of PUBLISH_OPTION_NAMES) {
      if (payload.options[name] !== undefined && payload.options[name] !== null) {
        (publishOptions as Record<string, unknown>)[name] = payload.options[name];
      }
    }
    try {
      const session = await options.session.get();
      const publication = await session.publish(topic, payload.args, publishOptions);
      sendBridgeJson(res, 200, { id: publication?.id });
      options.logger.debug({ topic, publication: publication?.id }, 'REST bridge publish succeeded');
    } catch (error) {
      answerFailure(res, error, options.logger);
    }
  };
}

/** The caller path handler. */
export function createCallerHandler(options: BridgeServiceOptions): PathHandler {
  return async (req, res) => {
    const request = await acceptBridgeRequest(req, res, options.checks);
    if (request?.json === undefined) return;
    const { procedure } = request.json;
    if (procedure === undefined) return notWellFormed(res, "missing key 'procedure'");
    if (typeof procedure !== 'string') return notWellFormed(res, "'procedure' must be a string");
    const payload = payloadOf(res, request.json);
    if (payload === undefined) return;
    // A client that gives up on its request cancels the call.
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const session = await options.session.get();
      const result = await session.call(procedure, payload.args, { kwargs: payload.kwargs, signal: abort.signal });
      const hasKwargs = Object.keys(result.kwargs).length > 0;
      let answer: Record<string, unknown>;
      if (!hasKwargs && result.args.length <= 1) answer = { args: [result.args.length === 1 ? result.args[0] : null] };
      else {
        answer = {};
        if (result.args.length > 0) answer.args = result.args;
        if (hasKwargs) answer.kwargs = result.kwargs;
      }
      if (!res.destroyed) sendBridgeJson(res, 200, answer);
    } catch (error) {
      if (!abort.signal.aborted) answerFailure(res, error, options.logger);
    }
  };
}

/** Request headers as `{Name: [values]}`, as Crossbar's webhook reports them. */
function headersOf(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = canonicalHeaderName(req.rawHeaders[i] as string);
    const values = out[name] ?? [];
    values.push(req.rawHeaders[i + 1] as string);
    out[name] = values;
  }
  return out;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The webhook path handler. */
export function createWebhookHandler(options: WebhookServiceOptions): PathHandler {
  return async (req, res) => {
    const request = await acceptBridgeRequest(req, res, options.checks);
    if (request === undefined) return;
    const event = { headers: headersOf(req), body: request.text };
    try {
      const session = await options.session.get();
      await session.publish(options.topic, [event], { acknowledge: true });
      sendText(res, 202, options.successResponse ?? 'OK');
    } catch (error) {
      const reason =
        error instanceof ApplicationError ? `${error.uri}: ${String(error.args[0] ?? '')}` : (error as Error).message;
      options.logger.error(
        { topic: options.topic, ip: req.socket.remoteAddress, err: error },
        `unable to send webhook to '${options.topic}': ${reason}`,
      );
      sendText(res, 500, options.errorResponse ?? 'NOT OK');
    }
  };
}
