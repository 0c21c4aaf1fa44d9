/**
 * The shape of a web path service: a handler for the requests under its path, and for a service
 * that relays WebSocket connections (`websocket-reverseproxy`), a handler for the upgrades.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Serves one HTTP request. `subPath` is the part of the URL path below the mount point, still
 * percent-encoded (`''` or starting with `/`); `mountPath` is the URL prefix of the service
 * (`''` at the root), for building URLs.
 */
export interface PathHandler {
  (req: IncomingMessage, res: ServerResponse, subPath: string, mountPath: string): Promise<void> | void;
  /** Takes the WebSocket upgrades at the path; without it, upgrades there are refused with 404. */
  upgrade?: UpgradeHandler;
}

/** Takes one WebSocket upgrade request (`subPath` as for {@link PathHandler}). Must not throw. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, subPath: string) => void;
