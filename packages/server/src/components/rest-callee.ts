/**
 * The REST callee bridge (Crossbar's `crossbar.bridge.rest.RESTCallee`): registers one procedure
 * whose calls become HTTP requests. A call's keyword arguments say what to send — `method`,
 * `url` (resolved against the configured `baseurl`), `body`, `headers`, `params` — and it returns
 * the response as `{code, content, headers}`, whatever its status: a 401 from the backend is a
 * successful call whose result says 401, as with Crossbar.
 *
 * Stricter than Crossbar, which joins any `url` to `baseurl`: the `url` must be relative and
 * stay under `baseurl`. Otherwise anyone allowed to call the procedure could make the node
 * fetch any address it can reach (cloud metadata, internal services): server-side request forgery.
 */
import type { Invocation, Session } from '@interchange/client';
import { WampApplicationError } from '@interchange/client';
import { InvalidArgumentError } from '@interchange/protocol';
import { type RestCalleeExtra, restCalleeExtraSchema } from '../config/component-schema.js';
import type { Logger } from '../logger.js';
import { redactUrls, safeUrl } from '../web/safe-url.js';

/** The result of a bridged call: status, body as text, headers by name with all their values. */
export interface RestCallResult {
  code: number;
  content: string;
  headers: Record<string, string[]>;
}

/** The error URI of a request that could not be made (bad arguments, unreachable host). */
export const REST_CALLEE_ERROR = 'wamp.error.runtime_error';

/** `content-type` → `Content-Type`, as Twisted reports header names. */
export function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => (part === '' ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('-');
}

/** A response's headers as `{Name: [values]}`; repeated `Set-Cookie` headers stay separate. */
export function responseHeaders(headers: Headers): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    out[canonicalHeaderName(name)] = [value];
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['Set-Cookie'] = cookies;
  return out;
}

function scalar(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidArgumentError(`${what} must be a string, number or boolean`);
}

/**
 * Query parameters from `params`: an object `{name: value | [values]}`, a list of such objects
 * (the shape in the seed article's example), or a list of `[name, value]` pairs.
 */
export function queryParams(params: unknown): [string, string][] {
  if (params === undefined || params === null) return [];
  const out: [string, string][] = [];
  const addObject = (object: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(object)) {
      for (const item of Array.isArray(value) ? value : [value]) out.push([name, scalar(item, `params.${name}`)]);
    }
  };
  if (Array.isArray(params)) {
    for (const item of params) {
      if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string')
        out.push([item[0], scalar(item[1], `params.${item[0]}`)]);
      else if (typeof item === 'object' && item !== null && !Array.isArray(item))
        addObject(item as Record<string, unknown>);
      else
        throw new InvalidArgumentError('params must be an object, a list of objects or a list of [name, value] pairs');
    }
    return out;
  }
  if (typeof params === 'object') {
    addObject(params as Record<string, unknown>);
    return out;
  }
  throw new InvalidArgumentError('params must be an object, a list of objects or a list of [name, value] pairs');
}

/** Request headers from `{name: value | [values]}`. */
function requestHeaders(headers: unknown): Headers {
  const out = new Headers();
  if (headers === undefined || headers === null) return out;
  if (typeof headers !== 'object' || Array.isArray(headers))
    throw new InvalidArgumentError('headers must be an object');
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) out.append(name, scalar(item, `headers.${name}`));
  }
  return out;
}

const ARGUMENT_ORDER = ['method', 'url', 'body', 'headers', 'params'] as const;

/** The call's arguments: keyword arguments, with positional ones filling what they leave out. */
function callArguments(invocation: Invocation): Record<(typeof ARGUMENT_ORDER)[number], unknown> {
  const out = {} as Record<(typeof ARGUMENT_ORDER)[number], unknown>;
  ARGUMENT_ORDER.forEach((name, i) => {
    out[name] = name in invocation.kwargs ? invocation.kwargs[name] : invocation.args[i];
  });
  return out;
}

/** A scheme (`http:`, `c:`) or a scheme-relative start (`//host`, `\\host`): not a relative reference. */
const NOT_RELATIVE = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|[\\/]{2})/;

/**
 * Whether a path holds a `..` segment once `%2E`, `%2F` and `%5C` are decoded: the URL parser
 * resolves plain and `%2E%2E` dot segments, but a backend that decodes `..%2F` would climb.
 */
function climbsUp(path: string): boolean {
  const decoded = path.replace(/%2e/gi, '.').replace(/%2f|%5c/gi, '/');
  return decoded.split(/[/\\]/).includes('..');
}

/**
 * The URL a call's `url` names: `url` resolved against `baseurl`, which must stay on the same
 * origin and under the base's directory (its path up to the last `/`). Absolute URLs
 * (`http://169.254.169.254/`), scheme-relative ones (`//other-host/`), absolute paths outside the
 * base (`/admin`) and `..` leaving it are refused: see the module comment.
 * @throws InvalidArgumentError for a `url` that is not a relative URL under `baseurl`.
 */
export function resolveCallUrl(baseurl: string, url: unknown): URL {
  const raw = url === undefined || url === null ? '' : scalar(url, 'url');
  const shown = JSON.stringify(redactUrls(raw));
  const refused = (cause?: unknown) =>
    new InvalidArgumentError(
      `url ${shown} must be a relative URL under the base URL ${safeUrl(baseurl)}`,
      cause === undefined ? {} : { cause },
    );
  // The URL parser drops tabs and newlines anywhere and leading controls or spaces; so does this test.
  const cleaned = raw.replace(/[\t\n\r]/g, '');
  let start = 0;
  while (start < cleaned.length && cleaned.charCodeAt(start) <= 0x20) start += 1;
  if (NOT_RELATIVE.test(cleaned.slice(start))) throw refused();
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(baseurl);
    resolved = new URL(raw, base);
  } catch (cause) {
    throw refused(cause);
  }
  const directory = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1);
  if (
    resolved.origin !== base.origin ||
    resolved.username !== base.username ||
    resolved.password !== base.password ||
    !resolved.pathname.startsWith(directory) ||
    climbsUp(resolved.pathname.slice(directory.length))
  )
    throw refused();
  return resolved;
}

/**
 * Performs one bridged request.
 * @throws InvalidArgumentError for arguments that do not make a request (a `url` leaving
 *   `baseurl` among them); what `fetch` throws.
 */
export async function performRestCall(
  baseurl: string,
  call: Record<string, unknown>,
  fetchImpl: typeof fetch = fetch,
  signal?: AbortSignal,
): Promise<RestCallResult> {
  const method =
    call.method === undefined || call.method === null ? 'GET' : scalar(call.method, 'method').toUpperCase();
  if (!/^[A-Z]+$/.test(method))
    throw new InvalidArgumentError(`method ${JSON.stringify(method)} is not an HTTP method`);
  const url = resolveCallUrl(baseurl, call.url);
  for (const [name, value] of queryParams(call.params)) url.searchParams.append(name, value);
  const headers = requestHeaders(call.headers);
  let body: string | undefined;
  if (call.body !== undefined && call.body !== null && call.body !== '') {
    if (typeof call.body === 'string') body = call.body;
    else {
      body = JSON.stringify(call.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new InvalidArgumentError(`a ${method} request cannot have a body`);
  }
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  if (signal !== undefined) init.signal = signal;
  const response = await fetchImpl(url, init);
  const content = await response.text();
  return { code: response.status, content, headers: responseHeaders(response.headers) };
}

/** Parses the component's `extra`. @throws InvalidArgumentError naming what is wrong. */
export function parseRestCalleeExtra(extra: unknown): RestCalleeExtra {
  const result = restCalleeExtraSchema.safeParse(extra);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || 'extra'}: ${issue.message}`)
      .join('; ');
    throw new InvalidArgumentError(`RESTCallee extra is invalid: ${problems}`);
  }
  return result.data;
}

/**
 * The entry point of the REST callee component.
 *
 * @example
 * // config: { type: 'class', classname: 'crossbar.bridge.rest.RESTCallee', realm: 'realm1',
 * //           extra: { procedure: 'webapp.api', baseurl: 'http://api.example.com/' } }
 * await session.call('webapp.api', [], { kwargs: { method: 'GET', url: 'users/1' } });
 */
export function restCallee(
  logger: Logger,
  fetchImpl: typeof fetch = fetch,
): (session: Session, extra: unknown) => Promise<void> {
  return async (session, extra) => {
    const { procedure, baseurl } = parseRestCalleeExtra(extra);
    await session.register(procedure, async (invocation) => {
      try {
        // The request is aborted with the call: when the caller cancels it or its timeout runs
        // out, the dealer interrupts this invocation.
        return await performRestCall(baseurl, callArguments(invocation), fetchImpl, invocation.signal);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        // Error texts may quote URLs (fetch names one with credentials); log and answer them without
        // userinfo or query.
        const reason = redactUrls(`${message}${cause}`);
        logger.info({ procedure, reason }, 'REST callee request failed');
        throw new WampApplicationError(REST_CALLEE_ERROR, [reason]);
      }
    });
    logger.info({ procedure, baseurl: safeUrl(baseurl) }, 'REST callee registered');
  };
}
