/**
 * The path of a request as the access log writes it. A long-poll transport ID is a bearer
 * token (whoever knows it can send and receive as the session), so the segment before a
 * long-poll action (`/<transport>/send`, `/receive`, `/close`) is written as `<transport>`
 * (issue 12); the query is already left out (safe-url.ts).
 */
import { safeRequestPath } from './safe-url.js';

const LONGPOLL_ACTION = /\/[^/]+\/(send|receive|close)$/;

export function accessLogPath(url: string | undefined): string {
  return safeRequestPath(url).replace(LONGPOLL_ACTION, '/<transport>/$1');
}
