/**
 * The `nodeinfo` path service (Crossbar's Node Info Service): a page about the node — release,
 * start time, process ID, running workers, the node's public key — and the address it is served
 * to. HTML for browsers, JSON for a client that asks for `application/json` (an Interchange
 * addition). Like Crossbar's, it exposes versions and key material: keep it off public endpoints.
 */
import type { IncomingMessage } from 'node:http';
import type { ActivitySnapshot } from '../metrics/node-activity.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** What the page shows. */
export interface NodeInfo {
  /** `Interchange <version>`. */
  title: string;
  version: string;
  /** ISO 8601 start time. */
  started: string;
  pid: number;
  /** Workers running (routers, containers, guests). */
  workers: number;
  /** The node's Ed25519 public key in hex, when the node has a key (`interchange keys`). */
  pubkey: string | undefined;
  /** What the node is doing now: sessions per realm, messages, traffic, memory (Interchange addition). */
  activity?: ActivitySnapshot | undefined;
}

const MiB = 1024 * 1024;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The client's address as `host:port`. */
function peerOf(req: IncomingMessage): string {
  const host = req.socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${req.socket.remotePort ?? '?'}`;
}

/** Whether the client prefers JSON. */
function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

function activityRows(activity: ActivitySnapshot | undefined, row: (name: string, value: string) => string): string {
  if (activity === undefined) return '';
  const realms = activity.realms.map((r) => `${r.realm}: ${r.sessions}`).join(', ');
  return [
    row('Sessions', `${activity.sessions}${realms === '' ? '' : ` (${realms})`}`),
    row('Messages Received', String(activity.messagesReceived)),
    row('Messages Sent', String(activity.messagesSent)),
    row(
      'Memory',
      `RSS ${(activity.memory.rss / MiB).toFixed(1)} MiB, heap ${(activity.memory.heapUsed / MiB).toFixed(1)} MiB`,
    ),
  ].join('\n');
}

function page(info: NodeInfo, peer: string): string {
  const row = (name: string, value: string) =>
    `<tr><td>${escapeHtml(name)}</td><td><b>${escapeHtml(value)}</b></td></tr>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(info.title)}</title></head>
<body>
<h1>${escapeHtml(info.title)}</h1>
<table>
${row('Release', info.title)}
${row('Node Started', info.started)}
${row('Node PID', String(info.pid))}
${row('Running Workers', String(info.workers))}
${row('Node Public Key', info.pubkey ?? 'none (run "interchange keys" to create one)')}
${activityRows(info.activity, row)}
</table>
<p>Served for ${escapeHtml(peer)} from process ${info.pid}.</p>
</body></html>
`;
}

/**
 * Creates the handler of a nodeinfo path; `info` is read on each request.
 *
 * @example
 * createNodeInfoHandler(() => node.info);
 */
export function createNodeInfoHandler(info: () => NodeInfo): PathHandler {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    const current = info();
    const peer = peerOf(req);
    const json = wantsJson(req);
    const body = json ? JSON.stringify({ ...current, peer }) : page(current, peer);
    res.writeHead(200, {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      vary: 'Accept',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
