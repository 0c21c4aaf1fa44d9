/**
 * The `wap` path service (Crossbar's WAMP Application Pages): an HTTP GET or POST on a route's
 * URL rule calls the route's procedure through the service's router-side session (its realm and
 * authrole, so the role's permissions apply), and the call's result, a dictionary, renders the
 * route's template into the page.
 *
 * As in Crossbar:
 * - the call gets keyword arguments only: the rule's variables, then the query arguments (first
 *   value of each; a query argument overrides a variable of the same name), and for a POST with
 *   a body `data` (the body's bytes) and `data_type` (its Content-Type);
 * - a client whose `Accept` is exactly `application/json` gets the result as JSON instead;
 * - a call error is 500 with an error page naming the error URI (`{"error": uri}` as JSON);
 *   a result the template cannot render is 500 too; no route is 404.
 * Different: a method a route does not take is 405 with `Allow` (Crossbar answers 511).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApplicationError } from '@interchange/protocol';
import type { ServiceSession } from '../components/service-session.js';
import type { Logger } from '../logger.js';
import type { PathHandler } from './path-handler.js';
import { WapRule } from './wap-route-rule.js';
import { describeTemplateError, type WapTemplate } from './wap-templates.js';

/** One route, ready to serve. */
export interface WapRoute {
  rule: WapRule;
  method: 'GET' | 'POST';
  /** The procedure called; undefined renders the template with an empty dictionary. */
  procedure: string | undefined;
  template: WapTemplate;
  /** The template's file name, for logs. */
  templateName: string;
}

/** Options of {@link createWapHandler}. */
export interface WapServiceOptions {
  routes: readonly WapRoute[];
  session: ServiceSession;
  /** Largest POST body passed on, in bytes. */
  postBodyLimit: number;
  logger: Logger;
}

/** What a request matched. */
type Match =
  | { kind: 'route'; route: WapRoute; variables: Record<string, unknown> }
  | { kind: 'redirect' }
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Crossbar's error page (or its JSON form), with `status`. */
function sendPageError(
  res: ServerResponse,
  status: number,
  message: string,
  json: boolean,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = json
    ? JSON.stringify({ error: message })
    : `<html>\n<title>API Error</title>\n<body>\n<h3 style="color: #f00">WAMP Application Page Error</h3>\n<pre>${escapeHtml(message)}</pre>\n</body>\n</html>\n`;
  res.writeHead(status, {
    ...headers,
    'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Bytes as Autobahn's JSON serializer writes them (`"\u0000"` + base64), for JSON answers. */
function bytesAsAutobahnJson(_key: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return `\u0000${Buffer.from(v).toString('base64')}`;
  if (isSerializedBuffer(v)) return `\u0000${Buffer.from(v.data).toString('base64')}`;
  return v;
}

/** `Buffer#toJSON` runs before a replacer sees the value. */
function isSerializedBuffer(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((v as { data?: unknown }).data)
  );
}

const isDict = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** The value Autobahn's `session.call` resolves to, which Crossbar renders or returns as JSON. */
function callValue(args: unknown[], kwargs: Record<string, unknown>): unknown {
  const hasKwargs = Object.keys(kwargs).length > 0;
  if (!hasKwargs) return args.length === 0 ? null : args.length === 1 ? args[0] : args;
  return args.length === 0 ? kwargs : { args, kwargs };
}

type BodyOutcome = { kind: 'body'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/** Reads a body of at most `limit` bytes; past it, stops reading. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) chunks.push(chunk);
      else {
        req.pause();
        resolve({ kind: 'too-large' });
      }
    });
    req.on('end', () => resolve({ kind: 'body', body: Buffer.concat(chunks) }));
    req.on('error', () => resolve({ kind: 'aborted' }));
    req.on('close', () => resolve({ kind: 'aborted' }));
  });
}

/** Stands for an encoded `/` (`%2F`) inside a segment while rules are matched: no decoded path holds it. */
const SLASH = '\u0000';

/**
 * Decodes a path segment by segment, so that an encoded `/` stays part of its segment's value
 * (`/hello/a%2Fb` gives `name` = `a/b`) instead of splitting it; undefined when malformed.
 */
function decodePath(raw: string): string | undefined {
  try {
    const segments = raw.split('/').map((segment) => decodeURIComponent(segment));
    if (segments.some((segment) => segment.includes(SLASH))) return undefined;
    return segments.map((segment) => segment.replaceAll('/', SLASH)).join('/');
  } catch {
    return undefined;
  }
}

/** The route of a decoded path below the mount point. Rules are tried in Werkzeug's order. */
function matchRoute(routes: readonly WapRoute[], path: string, method: string): Match {
  const allowed = new Set<string>();
  for (const route of routes) {
    const variables = route.rule.match(path);
    if (variables === undefined) continue;
    if (route.method === method) return { kind: 'route', route, variables };
    allowed.add(route.method);
  }
  if (allowed.size > 0) return { kind: 'method', allowed: [...allowed] };
  // Werkzeug: a rule ending in "/" also answers its path without the "/", with a redirect.
  for (const route of routes)
    if (route.rule.endsWithSlash && route.method === method && route.rule.match(`${path}/`) !== undefined)
      return { kind: 'redirect' };
  return { kind: 'none' };
}

/**
 * Creates the handler of a wap path.
 *
 * @example
 * createWapHandler({ routes, session, postBodyLimit: 1 << 20, logger });
 */
export function createWapHandler(options: WapServiceOptions): PathHandler {
  const routes = [...options.routes].sort((a, b) => WapRule.compare(a.rule, b.rule));
  const { logger } = options;

  return async (req, res, subPath) => {
    const method = req.method ?? '';
    const wantsJson = req.headers.accept === 'application/json';
    const path = decodePath(subPath === '' ? '/' : subPath);
    if (path === undefined) {
      sendPageError(res, 404, `Path "${subPath}" not found`, wantsJson);
      return;
    }
    if (method !== 'GET' && method !== 'POST') {
      req.resume();
      sendPageError(res, 405, `Method ${method} not allowed on path "${path.replaceAll(SLASH, '%2F')}"`, wantsJson, {
        allow: 'GET, POST',
      });
      return;
    }
    const shown = path.replaceAll(SLASH, '%2F');
    const match = matchRoute(routes, path, method);
    if (match.kind !== 'route') req.resume();
    if (match.kind === 'none') {
      sendPageError(res, 404, `Path "${shown}" not found`, wantsJson);
      return;
    }
    if (match.kind === 'method') {
      sendPageError(res, 405, `Method ${method} not allowed on path "${shown}"`, wantsJson, {
        allow: match.allowed.join(', '),
      });
      return;
    }
    if (match.kind === 'redirect') {
      const [target = '', query] = (req.url ?? '').split('?', 2);
      const location = `${target}/${query === undefined ? '' : `?${query}`}`;
      res.writeHead(308, { location, 'content-length': 0 });
      res.end();
      return;
    }
    const { route, variables } = match;

    const kwargs: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(variables))
      kwargs[name] = typeof v === 'string' ? v.replaceAll(SLASH, '/') : v;
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    for (const key of new Set(query.keys())) kwargs[key] = query.get(key);

    if (method === 'POST') {
      const declared = Number(req.headers['content-length'] ?? Number.NaN);
      const outcome =
        declared > options.postBodyLimit
          ? ({ kind: 'too-large' } as const)
          : await readBody(req, options.postBodyLimit);
      if (outcome.kind === 'aborted') return;
      if (outcome.kind === 'too-large') {
        sendPageError(res, 413, `Request body longer than ${options.postBodyLimit} bytes`, wantsJson, {
          connection: 'close',
        });
        return;
      }
      if (outcome.body.length > 0) {
        kwargs.data = outcome.body;
        kwargs.data_type = req.headers['content-type'] ?? 'application/octet-stream';
      }
    }

    let value: unknown = {};
    if (route.procedure !== undefined) {
      // A client that gives up on its page cancels the call.
      const abort = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      try {
        const session = await options.session.get();
        const result = await session.call(route.procedure, [], { kwargs, signal: abort.signal });
        value = callValue(result.args, result.kwargs);
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof ApplicationError) {
          logger.warn({ procedure: route.procedure, error: error.uri, path: shown }, 'wap call failed');
          sendPageError(res, 500, error.uri, wantsJson);
          return;
        }
        logger.error({ err: error, procedure: route.procedure, path: shown }, 'wap call failed');
        sendPageError(res, 500, 'wamp.error.runtime_error', wantsJson);
        return;
      }
    }

    let body: string;
    try {
      if (wantsJson) body = JSON.stringify(value, bytesAsAutobahnJson) ?? 'null';
      else {
        if (!isDict(value)) throw new TypeError(`the result is ${describe(value)}, not a dictionary`);
        body = route.template.render(value);
      }
    } catch (error) {
      const message = `render error for WAMP result of ${route.procedure ?? '(no call)'}: ${describeTemplateError(error)}`;
      logger.warn({ template: route.templateName, path: shown }, `wap ${message}`);
      sendPageError(res, 500, message, wantsJson);
      return;
    }
    if (res.destroyed) return;
    res.writeHead(200, {
      'content-type': wantsJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
}

function describe(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'bytes';
  return `a ${typeof value}`;
}
