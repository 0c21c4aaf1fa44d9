/**
 * The shape of a web path service: a handler for the requests under its path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Serves one HTTP request. `subPath` is the part of the URL path below the mount point, still
 * percent-encoded (`''` or starting with `/`); `mountPath` is the URL prefix of the service
 * (`''` at the root), for building URLs.
 */
export type PathHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  subPath: string,
  mountPath: string,
) => Promise<void> | void;
