/**
 * What the HTTP bridge services (publisher, caller, webhook) check before acting on a request,
 * with Crossbar's status codes and messages and its JSON error body
 * `{"error": "...", "args": [], "kwargs": {}}`: method, CORS preflight, content type and charset,
 * client address, TLS, body size, GitHub signature, signed-request fields, UTF-8 and JSON.
 *
 * The client address and TLS are checked before the body is read (Crossbar checks them after),
 * so a refused client never makes the node buffer its body; the status codes are Crossbar's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CorsPolicy } from './cors-policy.js';
import type { IpAllowList } from './ip-allowlist.js';
import type { SignatureVerifier } from './request-signature.js';
import { forwardedClient } from './trusted-proxies.js';

/** Bodies are never buffered beyond this, whatever `post_body_limit` says (0 = no configured limit). */
export const MAX_BRIDGE_BODY = 16 * 1024 * 1024;
/** How much of an oversize body is read (and dropped) so the client can read the 413 answer. */
const DRAIN_ALLOWANCE = 1024 * 1024;

/** Checks of one bridge service. */
export interface BridgeChecks {
  /** Largest body in bytes; 0 for no configured limit. */
  postBodyLimit: number;
  allowList: IpAllowList | undefined;
  requireTls: boolean;
  verifier: SignatureVerifier;
  /** Publisher and caller take a JSON object; the webhook takes any body. */
  json: boolean;
  /** The webhook's GitHub secret. */
  githubSecret: string | undefined;
  /** Which other origins may send requests (`allowed_origins`); without it, only the service's own. */
  cors?: CorsPolicy | undefined;
}

/** An accepted request. */
export interface BridgeRequest {
  body: Buffer;
  /** The body as text (it is valid UTF-8). */
  text: string;
  /** The parsed body, for JSON services. */
  json: Record<string, unknown> | undefined;
}

/** Without `allowed_origins`: requests without an Origin, and from the service's own origin. */
const SAME_ORIGIN = new CorsPolicy(undefined, 'same-origin');

/**
 * Sets the CORS and caching headers every bridge answer carries. Crossbar echoes any Origin with
 * credentials; here only the origins of `allowed_origins` get CORS headers (web/cors-policy.ts).
 * @returns the refused origin, when a page of an origin not allowed sent the request.
 */
export function setBridgeHeaders(req: IncomingMessage, res: ServerResponse, cors = SAME_ORIGIN): string | undefined {
  res.setHeader('cache-control', 'no-store,no-cache,must-revalidate,max-age=0');
  res.setHeader('vary', 'Origin');
  const decision = cors.decide(req);
  if (!decision.allowed) return decision.origin;
  for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
  return undefined;
}

/** Answers with Crossbar's error body. */
export function denyBridgeRequest(res: ServerResponse, status: number, message: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({ error: message, args: [], kwargs: {} });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** Answers 200 with a JSON body. */
export function sendBridgeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

type BodyOutcome = { kind: 'body'; body: Buffer } | { kind: 'too-large'; length: number } | { kind: 'aborted' };

/** Reads the body up to `limit` bytes; beyond, drains a little so the answer can be read, then gives up. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) chunks.push(chunk);
      else if (length > limit + DRAIN_ALLOWANCE) {
        req.pause();
        resolve({ kind: 'too-large', length });
      }
    });
    req.on('end', () =>
      resolve(length > limit ? { kind: 'too-large', length } : { kind: 'body', body: Buffer.concat(chunks) }),
    );
    req.on('error', () => resolve({ kind: 'aborted' }));
    req.on('close', () => resolve({ kind: 'aborted' }));
  });
}

/** GitHub's webhook signature: `sha256=<hex>` in X-Hub-Signature-256, or `sha1=<hex>` in X-Hub-Signature. */
export function githubSignatureValid(req: IncomingMessage, secret: string, body: Buffer): boolean {
  const sha256 = req.headers['x-hub-signature-256'];
  const sha1 = req.headers['x-hub-signature'];
  const [algorithm, header] =
    typeof sha256 === 'string'
      ? ['sha256', sha256]
      : typeof sha1 === 'string'
        ? ['sha1', sha1]
        : [undefined, undefined];
  if (algorithm === undefined || header === undefined) return false;
  const expected = Buffer.from(`${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`, 'utf8');
  const given = Buffer.from(header.trim().toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether the request came over TLS. */
export function isSecure(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

/**
 * Runs every check on a request. Resolves to the accepted request, or to undefined once it has
 * answered (an error, or the CORS preflight).
 */
export async function acceptBridgeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  checks: BridgeChecks,
): Promise<BridgeRequest | undefined> {
  const refusedOrigin = setBridgeHeaders(req, res, checks.cors);
  if (refusedOrigin !== undefined) {
    req.resume();
    denyBridgeRequest(res, 403, `origin not allowed: ${refusedOrigin}`);
    return undefined;
  }
  const method = req.method ?? '';
  if (method === 'OPTIONS') {
    res.writeHead(200, {
      allow: 'POST,PUT,OPTIONS',
      'access-control-allow-methods': 'POST,PUT,OPTIONS',
      'content-length': 0,
    });
    res.end();
    return undefined;
  }
  if (method !== 'POST' && method !== 'PUT') {
    res.setHeader('allow', 'POST,PUT,OPTIONS');
    denyBridgeRequest(res, 405, `Method not accepted by the REST bridge. (${method} not allowed, only POST, PUT)`);
    return undefined;
  }
  const contentType = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  const mediaType = contentType[0] ?? '';
  if (checks.json && mediaType !== '' && mediaType !== 'application/json') {
    denyBridgeRequest(res, 400, `Non-accepted content type. (must be one of 'application/json', not '${mediaType}')`);
    return undefined;
  }
  const charset = contentType
    .slice(1)
    .find((part) => part.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    denyBridgeRequest(res, 400, 'Non-accepted request encoding, must be UTF-8.');
    return undefined;
  }
  // Behind a trusted proxy, the client it forwards for (trusted-proxies.ts).
  const client = forwardedClient(req)?.address ?? req.socket.remoteAddress;
  if (checks.allowList !== undefined && !checks.allowList.allows(client)) {
    denyBridgeRequest(res, 400, 'Request denied based on IP address.');
    return undefined;
  }
  if (checks.requireTls && !isSecure(req)) {
    denyBridgeRequest(res, 400, 'request denied because not using TLS');
    return undefined;
  }
  const limit = checks.postBodyLimit > 0 ? Math.min(checks.postBodyLimit, MAX_BRIDGE_BODY) : MAX_BRIDGE_BODY;
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit + DRAIN_ALLOWANCE) {
    denyBridgeRequest(res, 413, `Request too long. (${declared} is longer than accepted ${limit})`, true);
    return undefined;
  }
  const outcome = await readBody(req, limit);
  if (outcome.kind === 'aborted') return undefined;
  if (outcome.kind === 'too-large') {
    denyBridgeRequest(res, 413, `Request too long. (${outcome.length} is longer than accepted ${limit})`, true);
    return undefined;
  }
  const { body } = outcome;
  if (checks.githubSecret !== undefined && !githubSignatureValid(req, checks.githubSecret, body)) {
    denyBridgeRequest(res, 400, 'GitHub signature missing or invalid.');
    return undefined;
  }
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const failure = checks.verifier.verify(query, body);
  if (failure !== undefined) {
    denyBridgeRequest(res, failure.status, failure.message);
    return undefined;
  }
  // A persistent nonce store: the request acts only once its nonce is on disk (request-signature.ts).
  const nonceWritten = checks.verifier.durable();
  if (nonceWritten !== undefined) {
    try {
      await nonceWritten;
    } catch {
      denyBridgeRequest(res, 503, 'The replay-protection state of signed requests could not be stored.');
      return undefined;
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    denyBridgeRequest(res, 400, 'Non-decodable request body, was not UTF-8.');
    return undefined;
  }
  if (!checks.json) return { body, text, json: undefined };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    denyBridgeRequest(res, 400, `Request body was invalid JSON. (${(error as Error).message})`);
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    denyBridgeRequest(res, 400, 'Request body was valid JSON, but not well formed (must be a dict).');
    return undefined;
  }
  return { body, text, json: json as Record<string, unknown> };
}
