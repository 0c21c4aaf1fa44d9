/**
 * What `interchange check` verifies of a transport's `sse` paths beyond their schema (the realm
 * and role are checked with the other services in validate-config.ts): that `cookie_store` names
 * a WebSocket path of the same transport that tracks cookies, as the node needs at start.
 */
import type { TransportConfig } from './config-schema.js';
import { allWebPathsOf, type KeyPath } from './config-walk.js';

/** One problem: where, and what. */
export interface SsePathProblem {
  path: KeyPath;
  message: string;
}

/** The URL paths of the transport's WebSocket services that track cookies. */
function cookieTrackingMounts(transport: TransportConfig, t: number): Set<string> {
  const mounts = new Set<string>();
  const tracks = (config: { cookie?: unknown; auth?: { cookie?: unknown } | undefined }) =>
    config.cookie !== undefined || config.auth?.cookie !== undefined;
  for (const { config, mount } of allWebPathsOf(transport, t))
    if (config.type === 'websocket' && tracks(config)) mounts.add(mount);
  if (transport.type === 'universal')
    for (const [key, config] of Object.entries(transport.websocket ?? {}))
      if (tracks(config)) mounts.add(key === '/' ? '/' : `/${key}`);
  return mounts;
}

/** The `cookie_store` references of a transport's `sse` paths that name no cookie-tracking WebSocket path. */
export function ssePathProblems(transport: TransportConfig, t: number): SsePathProblem[] {
  const problems: SsePathProblem[] = [];
  let mounts: Set<string> | undefined;
  for (const entry of allWebPathsOf(transport, t)) {
    if (entry.config.type !== 'sse' || entry.config.cookie_store === undefined) continue;
    mounts ??= cookieTrackingMounts(transport, t);
    if (!mounts.has(entry.config.cookie_store))
      problems.push({
        path: [...entry.path, 'cookie_store'],
        message: `no WebSocket path ${JSON.stringify(entry.config.cookie_store)} on this transport tracks cookies (it needs a "cookie" block or "cookie" in its auth)`,
      });
  }
  return problems;
}
